"""Migration files: `V<n>__<desc>.sql` and the optional undo script `U<n>__<desc>.sql`."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from deployer.errors import DeployerError, ExitCode
from deployer.migrations.sqltext import split_statements

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

    @property
    def name(self) -> str:
        return self.path.name


def checksum(text: str) -> str:
    """sha256 of the script with line endings normalised, so a CRLF checkout is not 'edited'."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def read_migration(path: Path) -> Migration:
    match = _NAME.match(path.name)
    if match is None:
        raise MigrationError(f"{path}: not a migration name; use V<n>__<description>.sql")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise MigrationError(f"{path}: not UTF-8") from None
    statements = tuple(split_statements(text))
    if not statements:
        raise MigrationError(f"{path}: no SQL statement in the file")
    return Migration(
        int(match["version"]),
        match["description"].replace("_", " "),
        path,
        checksum(text),
        statements,
    )


def discover(folder: Path) -> list[Migration]:
    """Versioned migrations in order, each with its undo script attached when there is one."""
    forward: dict[int, Migration] = {}
    undo: dict[int, Migration] = {}
    for path in sorted(folder.glob("*.sql")):
        migration = read_migration(path)
        table = forward if path.name.startswith("V") else undo
        if migration.version in table:
            raise MigrationError(
                f"{path}: version {migration.version} also in {table[migration.version].name}"
            )
        table[migration.version] = migration
    orphans = sorted(set(undo) - set(forward))
    if orphans:
        raise MigrationError(f"{undo[orphans[0]].path}: undo script without V{orphans[0]}")
    return [
        Migration(m.version, m.description, m.path, m.checksum, m.statements, undo.get(v))
        for v, m in sorted(forward.items())
    ]
