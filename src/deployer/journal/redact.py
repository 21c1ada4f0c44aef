"""Redaction by value: every known secret value is masked wherever it appears.

Structured records (meta.json, events, plan.json, ...) are masked per string value, keys
included, never in their serialized text: masking a secret such as ``1`` inside the text
would turn ``"exit_code": 1`` into invalid JSON. Inside each string, and in plain-text
records, every encoding the journal and the tools it records use is masked: JSON escapes
(``\\uXXXX`` or raw non-ASCII, ``\\/``), URL encoding (``%20`` or ``+``), YAML single quotes,
and base64, alone or inside a longer base64 text such as HTTP Basic's ``user:secret``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "********"

#: Runs of base64 (standard or URL-safe) characters, decoded and masked when they hold a secret.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{4,}={0,2}")
#: Shorter aligned base64 fragments would match unrelated text; decoding whole runs covers them.
_MIN_FRAGMENT = 6


def _json_forms(value: str) -> set[str]:
    forms = {json.dumps(value, ensure_ascii=ascii)[1:-1] for ascii in (True, False)}
    return forms | {form.replace("/", "\\/") for form in forms}


def _url_forms(value: str) -> set[str]:
    forms = {quote(value, safe=""), quote(value), quote_plus(value), quote_plus(value, safe="/")}
    # Percent escapes are case-insensitive; some clients write them in lower case.
    return forms | {re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), f) for f in forms}


def _base64_forms(value: str) -> set[str]:
    """The secret's base64, and the part of it that stays the same wherever the secret sits
    in a longer encoded text (one fragment per byte alignment)."""
    data = value.encode("utf-8")
    forms: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(data).decode("ascii")
        forms |= {whole, whole.rstrip("=")}
        for offset in range(3):
            encoded = encode(b"\0" * offset + data).decode("ascii")
            start, end = -(-8 * offset // 6), 8 * (offset + len(data)) // 6
            if end - start >= _MIN_FRAGMENT:
                forms.add(encoded[start:end])
    return forms


#: How SQL drivers and the mysql client escape a value inside a quoted string literal; a
#: server's error message quotes the statement as sent, so a secret can come back that way.
_SQL_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "'": "\\'",
        '"': '\\"',
        "\n": "\\n",
        "\r": "\\r",
        "\0": "\\0",
        "\x1a": "\\Z",
    }
)


def encoded_forms(value: str) -> set[str]:
    """Every form of ``value`` that is masked in text."""
    return (
        {value, value.replace("'", "''"), value.translate(_SQL_ESCAPES)}
        | _json_forms(value)
        | _url_forms(value)
        | _base64_forms(value)
    )


class Redactor:
    """Masks registered secret values in text and, per value, in structured records."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for value in values:
            self.add(value)

    def add(self, value: str) -> None:
        if not value or value in self._secrets:
            return
        self._secrets.add(value)
        self._forms |= {form for form in encoded_forms(value) if form}
        # Longest first: a secret that contains another is masked whole.
        ordered = sorted(self._forms, key=lambda form: (-len(form), form))
        self._pattern = re.compile("|".join(re.escape(form) for form in ordered))

    def __call__(self, text: str) -> str:
        """``text`` with every encoded form of every secret masked."""
        if self._pattern is None:
            return text
        # Whole base64 runs first: a fragment masked inside one would leave the rest around it.
        text = _BASE64_RUN.sub(self._mask_base64, text)
        return self._pattern.sub(MASK, text)

    def value(self, data: Any, trusted: frozenset[str] = frozenset()) -> Any:
        """A JSON-like structure with every string (keys too) masked; numbers, booleans and
        null unchanged. Values under the top level's ``trusted`` keys are deployer's own words
        (ids, kinds, statuses, times) that no secret can reach; they are kept whole so that
        the record stays readable whatever a secret looks like."""
        if isinstance(data, dict):
            return {
                (key if key in trusted else self(str(key))): (
                    item if key in trusted else self.value(item)
                )
                for key, item in data.items()
            }
        if isinstance(data, str):
            return self(data)
        if isinstance(data, list | tuple):
            return [self.value(item) for item in data]
        return data

    def json(self, text: str) -> str:
        """A JSON document masked per value (re-serialized); text that is not JSON is masked
        as plain text."""
        if self._pattern is None:
            return text
        try:
            data = json.loads(text)
        except ValueError:
            return self(text)
        return json.dumps(self.value(data), ensure_ascii=False, indent=2)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def _mask_base64(self, match: re.Match[str]) -> str:
        token = match.group()
        decoded = _decode_base64(token)
        if decoded is not None and any(secret in decoded for secret in self._secrets):
            return MASK
        return token


def _decode_base64(token: str) -> str | None:
    padded = token.rstrip("=")
    padded += "=" * (-len(padded) % 4)
    altchars = b"-_" if ("-" in token or "_" in token) else None
    try:
        raw = base64.b64decode(padded, altchars=altchars, validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
