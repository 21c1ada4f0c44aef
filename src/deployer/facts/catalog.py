"""Every fact the probe collects, in probe order (cheap and essential first)."""

from __future__ import annotations

from deployer.facts import (
    dbclients,
    java,
    middleware,
    network,
    osinfo,
    python,
    resources,
    security,
    system,
)
from deployer.facts.base import Fact
from deployer.facts.model import HostFacts

FACTS: tuple[Fact, ...] = (
    *osinfo.FACTS,
    *resources.FACTS,
    *network.FACTS,
    *java.FACTS,
    *middleware.FACTS,
    *dbclients.FACTS,
    *system.FACTS,
    *security.FACTS,
    *python.FACTS,
)

BY_ID: dict[str, Fact] = {fact.id: fact for fact in FACTS}

assert len(BY_ID) == len(FACTS), "duplicate fact id"
assert {fact.field for fact in FACTS} <= set(HostFacts.model_fields), "fact fills unknown field"


def fact(fact_id: str) -> Fact:
    """The fact declared under ``fact_id``; KeyError names the known ids."""
    try:
        return BY_ID[fact_id]
    except KeyError:
        raise KeyError(f"unknown fact {fact_id!r}; known: {', '.join(BY_ID)}") from None
