"""What became of every source line, and proof of what was loaded.

Each line read ends in exactly one bucket (loaded, updated, skipped, duplicates, rejected), so
``read`` always equals their sum; each line not loaded as read is in ``rejects.csv`` with its
reason. Per column, a checksum over the values loaded lets a later verify prove the table still
holds them: the count and the sum, modulo 2**64, of a hash of each value's canonical text, so
that the order rows arrive in does not matter and a replaced row can be taken out again.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REASONS = (
    "undecodable",
    "malformed",
    "missing_required",
    "bad_type",
    "too_long",
    "bad_reference",
    "duplicate_in_file",
    "conflict",
    "database_error",
)
BUCKETS = ("loaded", "updated", "skipped", "duplicates", "rejected")
_MOD = 2**64


@dataclass
class ColumnSums:
    """Per column: rows counted and the sum of their values' hashes (as ``sql.checksums``
    has the server take them)."""

    sums: dict[str, int] = field(default_factory=dict)
    rows: int = 0

    def add(self, columns: Sequence[str], found: Sequence[Any], sign: int = 1) -> None:
        """Add one answer of ``sql.checksums`` over ``columns`` (its sums, then its count)."""
        *sums, count = found
        self.rows += sign * int(count)
        for name, total in zip(columns, sums, strict=True):
            self.sums[name] = (self.sums.get(name, 0) + sign * int(total or 0)) % _MOD

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "columns": {k: f"{v:016x}" for k, v in sorted(self.sums.items())},
        }


@dataclass
class Tally:
    read: int = 0
    loaded: int = 0
    updated: int = 0
    skipped: int = 0
    duplicates: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def balanced(self) -> bool:
        return self.read == sum(int(getattr(self, b)) for b in BUCKETS)

    def as_json(self) -> dict[str, Any]:
        counts = {name: getattr(self, name) for name in ("read", *BUCKETS)}
        return {**counts, "reasons": dict(sorted(self.reasons.items()))}


class Rejects:
    """``rejects.csv`` of the run, written as lines are set aside (private: it holds customer
    data): line, column, reason, message and the line as read (hex when it did not decode)."""

    HEADER = ("line", "column", "reason", "message", "raw")

    def __init__(self, path: Path, redact: Callable[[str], str]) -> None:
        self.redact = redact
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.handle = open(descriptor, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._write([self.HEADER])

    def add(self, line: int, column: str, reason: str, message: str, raw: str) -> None:
        self._write([(str(line), column, reason, message, raw)])

    def _write(self, rows: Iterable[Iterable[str]]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        self.handle.write(self.redact(buffer.getvalue()))

    def close(self) -> None:
        self.handle.close()
