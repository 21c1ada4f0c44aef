"""Terminal streams and verbosity, passed in so tests can capture them."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console


@dataclass
class Streams:
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    verbosity: int = 0  # -1 quiet, 0 normal, 1+ verbose

    def __post_init__(self) -> None:
        self.console = Console(file=self.out, highlight=False, soft_wrap=True)
        self.errors = Console(file=self.err, highlight=False, soft_wrap=True)

    def say(self, text: str, *, style: str | None = None) -> None:
        """Normal output; silenced by -q."""
        if self.verbosity >= 0:
            self.console.print(text, style=style, markup=False)

    def error(self, text: str) -> None:
        """One red line on stderr; never silenced."""
        self.errors.print(text, style="red", markup=False)

    def detail(self, text: str) -> None:
        if self.verbosity > 0:
            self.errors.print(text, style="dim", markup=False)

    def data(self, text: str) -> None:
        """Machine-readable output: plain, unwrapped, never silenced."""
        self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()
