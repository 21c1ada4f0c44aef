"""A saved plan: ordered steps, predicted changes, and fingerprints of what it was made from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Step(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    order: int
    stage: str
    hosts: tuple[str, ...]
    action: str


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    created_at: datetime
    customer: str
    environment: str
    product: str
    version: str
    spec_sha256: str = Field(description="Spec file plus every file it references.")
    facts_sha256: str = Field(description="The stable facts of every host.")
    steps: tuple[Step, ...]
    engines: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per host, the Ansible engine, interpreter and platform that would manage it.",
    )
    pending_migrations: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    would_change: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Per host, the tasks check mode says would change."
    )
    notes: tuple[str, ...] = ()
    rollback: str = Field(
        default="", description="The rollback plan as apply will write it (Markdown)."
    )
    irreversible: tuple[str, ...] = Field(
        default=(), description="Steps no rollback could undo; apply refuses them unless told."
    )
    cluster: dict[str, Any] | None = Field(
        default=None,
        description="Under target kubernetes: each object apply would write, compared with the "
        "cluster's (changes, rolls_pods, rollback_to).",
    )
