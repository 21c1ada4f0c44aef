"""Terminal streams and verbosity, passed in so tests can capture them."""

from __future__ import annotations

import re
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
        # Text is printed as given: no markup, no :emoji: codes, no highlighting. Markup is off
        # for the whole console, so that a string inside a renderable (a table cell) cannot
        # carry it either: such strings come from specs, hosts and databases.
        self.console = Console(
            file=self.out, highlight=False, soft_wrap=True, emoji=False, markup=False
        )
        self.errors = Console(
            file=self.err, highlight=False, soft_wrap=True, emoji=False, markup=False
        )

    def say(self, text: str, *, style: str | None = None) -> None:
        """Normal output; silenced by -q."""
        if self.verbosity >= 0:
            self.console.print(printable(text), style=style, markup=False)

    def error(self, text: str) -> None:
        """One red line on stderr; never silenced."""
        self.errors.print(printable(text), style="red", markup=False)

    def detail(self, text: str) -> None:
        if self.verbosity > 0:
            self.errors.print(printable(text), style="dim", markup=False)

    def data(self, text: str) -> None:
        """Machine-readable output: plain, unwrapped, never silenced."""
        self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Escape control characters: text quoted from a spec must not drive the terminal."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
