"""Tolerant parsing of the version strings real software prints, and range matching.

``parse("10.11.19-MariaDB-0+deb12u1")`` gives ``Version("10.11.19")``: the first dotted
number, once known prefixes are dropped. Kinds refine that where a plain reading misleads:
``"jdk"`` reads ``1.8.0_392`` as 8.0.392; ``"oracle"`` prefers a banner's ``Version``;
``"mariadb"``/``"mysql"`` drop the ``5.5.5-`` prefix MariaDB shows old clients.
"""

from __future__ import annotations

import re
from typing import Literal

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version

Kind = Literal["generic", "jdk", "mysql", "mariadb", "oracle"]

_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_JDK = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:_(\d+))?")
#: MariaDB announces itself as 5.5.5-<real version> in the handshake (for old clients).
_MARIADB_PREFIX = re.compile(r"^5\.5\.5-(?=\d+\.\d+)")
_ORACLE_KEYWORD = (re.compile(r"\bVersion\s+(\d[\d.]*)"), re.compile(r"\bRelease\s+(\d[\d.]*)"))


def parse(text: str, kind: Kind = "generic") -> Version:
    """The comparable version in ``text``; ``ValueError`` when there is none."""
    cleaned = text.strip()
    if kind == "jdk":
        return _jdk(cleaned)
    if kind == "oracle":
        for pattern in _ORACLE_KEYWORD:
            match = pattern.search(cleaned)
            if match:
                cleaned = match.group(1)
                break
    cleaned = _MARIADB_PREFIX.sub("", cleaned)
    match = _NUMBER.search(cleaned)
    if not match:
        raise ValueError(f"no version number in {text!r}")
    try:
        return Version(match.group(0).rstrip("."))
    except InvalidVersion as exc:  # pragma: no cover - the pattern only admits valid ones
        raise ValueError(f"not a version: {text!r}") from exc


def _jdk(text: str) -> Version:
    """'1.8.0_392' -> 8.0.392, '1.8' -> 8, '17.0.15+6' -> 17.0.15, 'openjdk "21"' -> 21."""
    quoted = re.search(r'"([^"]+)"', text)
    match = _JDK.search(quoted.group(1) if quoted else text)
    if not match:
        raise ValueError(f"no Java version in {text!r}")
    major, minor, micro, update = match.groups()
    if major == "1" and minor is not None:
        parts = [minor, micro or ("0" if update else None), update]
    else:
        parts = [major, minor, micro]
    return Version(".".join(p for p in parts if p is not None))


def parse_or_none(text: str | None, kind: Kind = "generic") -> Version | None:
    if not text:
        return None
    try:
        return parse(text, kind)
    except ValueError:
        return None


def specifiers(version_range: str, kind: Kind = "generic") -> SpecifierSet:
    """The range as a SpecifierSet; for JDKs '1.8' in a range means 8 too."""
    try:
        parsed = SpecifierSet(version_range)
    except InvalidSpecifier as exc:
        raise ValueError(f"not a version range: {version_range!r}") from exc
    if kind != "jdk":
        return parsed
    rewritten = [
        Specifier(f"{s.operator}{s.version[2:]}")
        if s.version.startswith("1.") and s.version[2:3].isdigit()
        else s
        for s in parsed
    ]
    return SpecifierSet(",".join(str(s) for s in rewritten))


def matches(observed: str | Version, version_range: str, kind: Kind = "generic") -> bool:
    """Whether an observed version lies in a range such as '>=5.7,<8.1'."""
    version = observed if isinstance(observed, Version) else parse(observed, kind)
    return specifiers(version_range, kind).contains(version, prereleases=True)


def in_range(observed: str, version_range: str, kind: Kind = "generic") -> bool:
    """``matches``, where a version or range that cannot be read is not in range."""
    try:
        return matches(observed, version_range, kind)
    except ValueError:
        return False


def major(observed: str, kind: Kind = "generic") -> int:
    return parse(observed, kind).major
