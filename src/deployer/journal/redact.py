"""Redaction by value: every known secret value is masked wherever it appears."""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote

MASK = "********"


class Redactor:
    """Masks registered secret values in text, including their JSON- and URL-escaped forms."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._forms: list[str] = []
        for value in values:
            self.add(value)

    def add(self, value: str) -> None:
        if not value:
            return
        forms = {value, json.dumps(value)[1:-1], quote(value, safe="")}
        self._forms = sorted(set(self._forms) | forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def __bool__(self) -> bool:
        return bool(self._forms)
