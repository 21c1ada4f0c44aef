"""What an import changed in the table, so that a rollback can take it back: the key of every
row it inserted, and the row as it was before of every row it updated. Kept in the run,
private (customer data, not redacted: a masked value could not be put back), appended before
each batch commits, so that a crash between the two leaves at most keys that were never
inserted (deleting those changes nothing)."""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

UNDO = "import-undo.jsonl"


def stored(value: object) -> Any:
    """A table value as JSON that the server takes back in an UPDATE (dates and decimals as
    text, which it converts to the column's type)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | Decimal):
        return str(value)
    return str(value)


class UndoLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(
        self,
        inserted: Sequence[Sequence[Any]],
        updated: Sequence[tuple[Sequence[Any], Mapping[str, Any]]],
    ) -> None:
        lines = [json.dumps({"inserted": [stored(v) for v in key]}) for key in inserted]
        lines += [
            json.dumps(
                {
                    "updated": [stored(v) for v in key],
                    "before": {k: stored(v) for k, v in row.items()},
                },
                ensure_ascii=False,
            )
            for key, row in updated
        ]
        if not lines:
            return
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with open(descriptor, "a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
            handle.flush()
            os.fsync(handle.fileno())

    def entries(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)

    def newest_first(self) -> Iterator[dict[str, Any]]:
        """The entries from the last to the first; only their offsets are held (8 bytes
        each), so that undoing millions of rows does not hold them all."""
        if not self.path.exists():
            return
        offsets = array("q")
        with self.path.open("rb") as handle:
            while True:
                offset = handle.tell()
                line = handle.readline()
                if not line:
                    break
                if line.strip():
                    offsets.append(offset)
            for offset in reversed(offsets):
                handle.seek(offset)
                yield json.loads(handle.readline())
