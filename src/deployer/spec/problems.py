"""A problem found in a spec file, located by file, line, column and field path."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from deployer.errors import DeployerError, ExitCode

#: Field path used for problems that concern the file as a whole.
DOCUMENT = "(document)"

PathElem = str | int

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Keys shown as they are in a field path; others (empty, spaces, dots...) are quoted.
_PLAIN_KEY = re.compile(r"^[^\s.\[\]\"'\x00-\x1f\x7f-\x9f]+$")


def format_path(path: Sequence[PathElem]) -> str:
    """Render ``("hosts", 2, "os")`` as ``hosts[2].os``; odd keys quoted: ``labels["a b"]``."""
    text = ""
    for elem in path:
        if isinstance(elem, int):
            text += f"[{elem}]"
        elif not _PLAIN_KEY.match(elem):
            text += f"[{json.dumps(elem, ensure_ascii=False)}]"
        else:
            text += f".{elem}" if text else elem
    return text or DOCUMENT


def quote_key(key: str) -> str:
    """A key for a message: ``'name'``, or JSON-escaped when it is empty or odd."""
    return f"'{key}'" if _PLAIN_KEY.match(key) else json.dumps(key, ensure_ascii=False)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one file; ``str()`` is the line the user sees."""

    file: str
    line: int
    col: int
    field: str
    message: str

    def __post_init__(self) -> None:
        # One printable line: text quoted from YAML or the OS may carry breaks or escapes.
        for name in ("file", "field", "message"):
            object.__setattr__(self, name, _one_line(getattr(self, name)))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.field}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class SpecError(DeployerError):
    """One or more problems in a spec file; all of them, not only the first."""

    exit_code = ExitCode.INVALID_SPEC

    def __init__(self, problems: Sequence[Problem]) -> None:
        # By line within a file; files in the order met (the spec before its matrix).
        files = {problem.file: order for order, problem in reversed(list(enumerate(problems)))}
        unique = set(problems)
        self.problems = tuple(sorted(unique, key=lambda p: (files[p.file], p)))
        super().__init__("\n".join(str(p) for p in self.problems))


def _one_line(text: str) -> str:
    """Line breaks folded, other control characters shown escaped (``\\x1b``)."""
    folded = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", folded)


def file_problem(path: Path | str, message: str, line: int = 1, col: int = 1) -> SpecError:
    """A problem with the file itself rather than with one field."""
    return SpecError([Problem(str(path), line, col, DOCUMENT, message)])
