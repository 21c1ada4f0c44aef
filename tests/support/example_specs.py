"""The example customer's spec copied into a test's folder, its files named absolutely, so
that a run over the fakes journals beside it and never in the source tree."""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example_spec(folder: Path, name: str = "huadong-production.yml", *edits: str) -> Path:
    """``examples/<name>`` as ``folder/env.yml``; each edit is ``old=>new`` on its text (and
    must find ``old``, so that an edit of the example never goes unnoticed)."""
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    for field_name in ("matrix: ", "artifact: ", "migrations: ", "templates: "):
        text = text.replace(f"{field_name}sample-erp", f"{field_name}{EXAMPLES}/sample-erp")
    for edit in edits:
        old, new = edit.split("=>")
        if old not in text:
            raise AssertionError(f"{name} no longer holds {old!r}")
        text = text.replace(old, new)
    spec = folder / "env.yml"
    spec.write_text(text, encoding="utf-8")
    return spec
