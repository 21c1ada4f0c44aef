"""The dump of a schema taken before its first migration, and its restore.

The dump holds the customer's data as it is, secrets included, so it is the one file of a run
that is not redacted: it is streamed into the run folder (0600) byte for byte, and its size and
SHA-256 go into the plan. Before a restore the file is opened once, checked against them, and
streamed from that same open file.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Protocol

from deployer.errors import DeployerError, ExitCode
from deployer.journal import Run, records
from deployer.rollback.model import SchemaStep
from deployer.transport.hosts import Hosts
from deployer.transport.stream import digest_of

_NAME = re.compile(r"^[A-Za-z0-9_]+$")
#: A dump or a restore of a large schema takes long; the connection stays up meanwhile.
DUMP_TIMEOUT = 1800.0


class RollbackFailed(DeployerError):
    exit_code = ExitCode.ROLLBACK_FAILED


def plain_schema_name(schema: str) -> str:
    if not _NAME.match(schema):
        raise RollbackFailed(f"schema name {schema!r} is not a plain identifier")
    return schema


def dump_name(schema: str, engine: str = "mysql") -> str:
    """The dump's file in the run folder."""
    return records.dump_file(plain_schema_name(schema), engine)


class SchemaDumps(Protocol):
    """How the engine's schemas are dumped before migrating and restored by a rollback."""

    def take(self, schema: SchemaStep, run: Run) -> SchemaStep: ...

    def restore(self, schema: SchemaStep, folder: Path) -> None: ...


@dataclass(frozen=True)
class MysqlDumps:
    """mysqldump and the mysql client, on the database host."""

    hosts: Hosts

    def take(self, schema: SchemaStep, run: Run) -> SchemaStep:
        return take_dump(self.hosts, schema, run)

    def restore(self, schema: SchemaStep, folder: Path) -> None:
        restore_dump(self.hosts, schema, folder)


def take_dump(hosts: Hosts, schema: SchemaStep, run: Run) -> SchemaStep:
    """``mysqldump --single-transaction`` on the database host, streamed into the run folder;
    never redacted, since masking a secret that appears in the data would restore the mask.
    The step comes back with the dump's name, size and SHA-256."""
    argv = ["mysqldump", "--single-transaction", "--routines", "--triggers"]
    argv += ["--hex-blob", "--default-character-set=utf8mb4", "--databases", schema.schema]
    name = dump_name(schema.schema)
    return stream_into_run(hosts, schema, run, shlex.join(argv), name=name, what="dump")


def stream_into_run(
    hosts: Hosts, schema: SchemaStep, run: Run, command: str, *, name: str, what: str
) -> SchemaStep:
    """What ``command`` prints on the database host, as root, streamed byte for byte into the
    run folder as ``name``; the step comes back with the file's name, size and SHA-256."""
    result, taken = hosts.run_to_file(
        schema.host, command, run.path / name, DUMP_TIMEOUT, root=True
    )
    if not result.ok or taken is None:
        raise RollbackFailed(
            f"{schema.host}: {what} of {schema.schema} failed: {result.describe()}"
        )
    run.event("dump", schema=schema.schema, file=name, bytes=taken.size, sha256=taken.sha256)
    return replace(schema, dump=name, dump_bytes=taken.size, dump_sha256=taken.sha256)


def restore_dump(hosts: Hosts, schema: SchemaStep, folder: Path) -> None:
    """Drop the schema and load the dump (it recreates the schema): tables a failed migration
    made are gone too. The account's grants on the schema survive the drop. Only the very
    file that was taken is loaded, streamed byte for byte."""
    name = plain_schema_name(schema.schema)
    client = ["mysql", "--batch", "--default-character-set=utf8mb4"]
    drop = shlex.join([*client, "-e", f"DROP DATABASE IF EXISTS `{name}`"])
    command = f"{drop} && {shlex.join(client)}"
    with verified_dump(schema, folder) as dump:
        result = hosts.run_from_file(schema.host, command, dump, DUMP_TIMEOUT, root=True)
    if not result.ok:
        raise RollbackFailed(f"{schema.host}: restoring {name} failed: {result.describe()}")


@contextmanager
def verified_dump(schema: SchemaStep, folder: Path) -> Iterator[BinaryIO]:
    """The dump of ``schema`` in the undone run's ``folder``, open at its start, if it is still
    the file that was taken: same size and SHA-256 as the plan recorded. Anything else is
    refused before the schema is touched. The bytes judged are the bytes sent: the file is
    opened once."""
    names = {dump_name(schema.schema, engine) for engine in ("mysql", "oracle")}
    if schema.dump not in names:  # a plan names only its own run's file, never a path
        raise RollbackFailed(f"{schema.schema}: the plan names an unexpected dump {schema.dump!r}")
    path = folder / schema.dump
    if schema.dump_bytes is None or not schema.dump_sha256:
        raise RollbackFailed(
            f"{schema.schema}: {path} has no recorded size and SHA-256 (an older deployer "
            "redacted its dumps, so it may not hold the data as it was); restore it by hand"
        )
    if not path.is_file():
        raise RollbackFailed(f"{schema.schema}: the dump {path} is missing; restore it by hand")
    with path.open("rb") as handle:
        found = digest_of(handle)
        if (found.size, found.sha256) != (schema.dump_bytes, schema.dump_sha256):
            raise RollbackFailed(
                f"{schema.schema}: {path} is not the dump that was taken ({found.size} bytes, "
                f"sha256 {found.sha256}; the plan recorded {schema.dump_bytes} bytes, sha256 "
                f"{schema.dump_sha256}): refusing to restore it"
            )
        yield handle
