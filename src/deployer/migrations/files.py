"""Migration files: `V<n>__<desc>.sql` and the optional undo script `U<n>__<desc>.sql`."""

from __future__ import annotations

import errno
import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from deployer.errors import DeployerError, ExitCode
from deployer.files import NotRegularFileError, open_regular
from deployer.migrations.dialects import MYSQL, Dialect
from deployer.migrations.sqltext import SqlTextError

_NAME = re.compile(r"^(?P<kind>[VU])(?P<version>[0-9]+)__(?P<description>[A-Za-z0-9_]+)\.sql$")


class MigrationError(DeployerError):
    """The migrations folder or history is inconsistent; nothing was changed."""

    exit_code = ExitCode.INVALID_SPEC


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    path: Path
    checksum: str
    statements: tuple[str, ...]
    undo: Migration | None = field(default=None, compare=False)
    #: The line each statement starts on, for "file:line" when the server refuses one.
    lines: tuple[int, ...] = field(default=(), compare=False)
    #: The checksum recorded by versions that kept a UTF-8 BOM in it (files with a BOM only).
    former_checksum: str | None = field(default=None, compare=False)

    def line_of(self, statement: int) -> int | None:
        """The line statement ``statement`` (from 1) starts on, when known."""
        return self.lines[statement - 1] if 0 < statement <= len(self.lines) else None

    @property
    def name(self) -> str:
        return self.path.name


def checksum(text: str) -> str:
    """sha256 of the script with line endings normalised, so a CRLF checkout is not 'edited'."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def read_migration(path: Path, dialect: Dialect = MYSQL) -> Migration:
    match = _NAME.match(path.name)
    if match is None:
        raise MigrationError(f"{path}: not a migration name; use V<n>__<description>.sql")
    try:
        text = _read_regular(path).decode("utf-8")
    except UnicodeDecodeError:
        raise MigrationError(f"{path}: not UTF-8") from None
    # As open() in text mode did before: the statements and the checksum see "\n" only.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    former = None
    if text.startswith("\ufeff"):
        # Not SQL: the server would refuse the first statement. Histories written while the
        # BOM was part of the checksum stay valid through former_checksum.
        former, text = checksum(text), text[1:]
    try:
        found = dialect.split(text)
    except SqlTextError as exc:
        raise MigrationError(f"{path}:{exc.line}: {exc.reason}") from None
    if not found:
        raise MigrationError(f"{path}: no SQL statement in the file")
    return Migration(
        int(match["version"]),
        match["description"].replace("_", " "),
        path,
        checksum(text),
        tuple(s.text for s in found),
        lines=tuple(s.line for s in found),
        former_checksum=former,
    )


def _read_regular(path: Path) -> bytes:
    """The file's bytes; anything but a regular file (folder, FIFO, device, dangling link) is
    refused without waiting on it, so a FIFO cannot block the run."""
    try:
        with open_regular(path) as handle:
            return handle.read()
    except NotRegularFileError as exc:
        raise MigrationError(f"{path}: {exc}, not a migration script") from None
    except FileNotFoundError:
        what = "a link to a missing file" if path.is_symlink() else "missing"
        raise MigrationError(f"{path}: {what}") from None
    except OSError as exc:
        raise MigrationError(
            f"{path}: cannot be read: {os.strerror(exc.errno or errno.EIO)}"
        ) from None


def discover(folder: Path, dialect: Dialect = MYSQL) -> list[Migration]:
    """Versioned migrations in order, each with its undo script attached when there is one."""
    forward: dict[int, Migration] = {}
    undo: dict[int, Migration] = {}
    for path in sorted(folder.glob("*.sql")):
        migration = read_migration(path, dialect)
        table = forward if path.name.startswith("V") else undo
        if migration.version in table:
            raise MigrationError(
                f"{path}: version {migration.version} also in {table[migration.version].name}"
            )
        table[migration.version] = migration
    orphans = sorted(set(undo) - set(forward))
    if orphans:
        raise MigrationError(f"{undo[orphans[0]].path}: undo script without V{orphans[0]}")
    return [replace(m, undo=undo.get(v)) for v, m in sorted(forward.items())]
