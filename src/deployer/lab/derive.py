"""Specs derived from another one with other hosts: scratch labs for tests and benches.

The derived spec keeps the source's product, matrix and middleware (paths made absolute,
so it can live anywhere) and replaces its hosts; the database section is kept only when a
host of the new set takes its place.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from deployer.lab.overlay import absolutise
from deployer.spec.loader import read_document

#: Documentation addresses (TEST-NET-1): never routed, replaced by the lab's own.
_PLACEHOLDER = "192.0.2.{}"


def derive_spec(
    source: Path,
    target: Path,
    hosts: Sequence[tuple[str, Sequence[str]]],
    database_host: str | None = None,
) -> Path:
    """Write ``target``: ``source`` with ``hosts`` (name, roles) and, if ``database_host``
    names one of them, the source's database moved onto it (else no database)."""
    doc, _ = read_document(source)
    data: dict[str, Any] = absolutise(doc.data, source.parent)
    data["hosts"] = [
        {"name": name, "address": _PLACEHOLDER.format(10 + index), "roles": list(roles)}
        for index, (name, roles) in enumerate(hosts)
    ]
    if database_host is not None and "database" in data:
        data["database"]["host"] = database_host
    else:
        data.pop("database", None)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
