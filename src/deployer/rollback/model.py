"""The machine form of a rollback plan (``rollback.json``) and how a run's events fill it in.

The plan starts from what deployer reads before the first change (the live release, the
schema's history, the dump it takes) and grows with the facts the roles record as the run
goes. Everything here is pure: the journal's events in, a plan out.

A plan read back is checked field by field (``from_json``): a rollback must not act on a plan
it half understands, so a damaged or unknown shape is refused, naming the field.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from deployer.journal import records
from deployer.journal.models import problem
from deployer.journal.runs import JournalDamaged

#: Roles whose ``<role>_run_changes`` fact says which files a run backed up, made or relinked.
FILE_ROLES = ("mysql", "nginx", "tomcat", "product")
#: Roles whose files a run may have made or relinked only when they come from a tarball; their
#: packages are undone apart (``jdk_installed``).
TARBALL_ROLES = ("jdk",)
#: How pydantic reads the plan's dataclasses back: no coercion ("version": 2 is damage, not
#: "2"), and no key this version does not know (it would be silently left undone).
_STRICT = ConfigDict(strict=True, extra="forbid")


@dataclass
class MigrationStep:
    __pydantic_config__: ClassVar[ConfigDict] = _STRICT
    name: str
    version: int
    undo: str | None  # the U script's name; None: only the dump can undo it
    destructive: list[str] = field(default_factory=list)  # statements that throw data away

    @property
    def needs_dump(self) -> bool:
        """Only a dump undoes it: no undo script, or statements whose data no script restores."""
        return self.undo is None or bool(self.destructive)


@dataclass
class SchemaStep:
    __pydantic_config__: ClassVar[ConfigDict] = _STRICT
    schema: str
    host: str
    down_to: int | None = None  # newest version applied before the run; None: not read yet
    migrations: list[MigrationStep] = field(default_factory=list)
    dump: str | None = None  # file in the run folder, taken before the first migration
    # The dump's size and SHA-256 as taken: a rollback restores only that very file.
    dump_bytes: int | None = None
    dump_sha256: str = ""
    existed: bool = True
    size_mb: float | None = None  # data and indexes when measured; None: not measured yet
    dump_limit_mb: int | None = None
    no_dump: str = ""  # why no dump will be taken although one is needed

    @property
    def irreversible(self) -> list[str]:
        """One line per migration nothing can undo: it needs the dump and there is none.

        A schema the run creates is not flagged: a rollback keeps it, and nothing in it
        predates the run. Neither is a schema whose dump is still to be taken.
        """
        if self.dump is not None or not self.existed or not self.no_dump:
            return []
        return [_why(m, self.no_dump) for m in self.migrations if m.needs_dump]

    @property
    def prefers_dump(self) -> bool:
        """Restore from the dump rather than run undo scripts (they cannot bring data back)."""
        return self.dump is not None and any(m.destructive for m in self.migrations)


def _why(migration: MigrationStep, no_dump: str) -> str:
    what = "has no undo script" if migration.undo is None else "destroys data"
    if migration.undo is None and migration.destructive:
        what = "has no undo script and destroys data"
    detail = f" ({migration.destructive[0]})" if migration.destructive else ""
    return f"{migration.name} {what}{detail}, and {no_dump}"


@dataclass
class HostStep:
    __pydantic_config__: ClassVar[ConfigDict] = _STRICT
    host: str
    app: bool = False
    previous_release: str | None = None  # "" when no release was live; None: unknown
    previous_version: str = ""
    release_dir: str = ""
    # The port the product was served on before the run, by the journal; None: not known.
    previous_port: int | None = None
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)  # role -> run_changes
    backups: dict[str, dict[str, str]] = field(default_factory=dict)  # role -> file -> backup
    jdk_installed: list[str] = field(default_factory=list)
    # name -> [version before the run ("" when the run installed it), version after]
    packages: dict[str, list[str]] = field(default_factory=dict)
    # With a bundle: installed packages it holds only in other versions, as
    # "name version (the bundle holds ...)": no going back to these offline if upgraded.
    offline_downgrades: list[str] = field(default_factory=list)
    # The product role's resolved paths, service and health page, as the run recorded them
    # (its ``product_rollback_inputs`` fact): with them the release goes back without a play.
    product_inputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class RollbackPlan:
    __pydantic_config__: ClassVar[ConfigDict] = _STRICT
    run_id: str
    product: str
    version: str
    hosts: list[HostStep] = field(default_factory=list)
    schemas: list[SchemaStep] = field(default_factory=list)
    # Under target kubernetes: the run whose revision a rollback applies again in the cluster
    # ("" when none went live before); None under target ansible.
    cluster_back_to: str | None = None

    def host(self, name: str) -> HostStep:
        for step in self.hosts:
            if step.host == name:
                return step
        step = HostStep(name)
        self.hosts.append(step)
        return step

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for host in data["hosts"]:
            # Written only when there is something to say: a plan of a run without a bundle
            # stays byte for byte what earlier versions wrote.
            for optional in ("offline_downgrades", "product_inputs"):
                if not host[optional]:
                    del host[optional]
        if data["cluster_back_to"] is None:
            del data["cluster_back_to"]
        return data

    @classmethod
    def from_json(cls, data: Any, source: str = records.ROLLBACK_PLAN) -> RollbackPlan:
        """The plan ``to_json`` wrote, checked; anything else is a damaged ``source``."""
        try:
            # As JSON: the plan's fields are JSON types, and strict JSON reading takes
            # objects for the dataclasses (strict Python reading takes only instances).
            return _plan_reader().validate_json(json.dumps(data))
        except (TypeError, ValueError) as exc:
            reason = problem(exc) if isinstance(exc, ValidationError) else "not JSON data"
            message = f"{source}: not a rollback plan deployer wrote: {reason}"
            raise JournalDamaged(message) from None


@cache
def _plan_reader() -> TypeAdapter[RollbackPlan]:
    return TypeAdapter(RollbackPlan)


def observe(plan: RollbackPlan, events: Iterable[Mapping[str, Any]]) -> RollbackPlan:
    """The plan with what the run's task events recorded (facts and backups) folded in.

    Idempotent: the observed parts are rebuilt from all events each time, so the plan read
    back from a run killed half-way is the same as one written just before the kill.
    """
    result = copy.deepcopy(plan)
    for step in result.hosts:
        step.changes, step.backups, step.release_dir, step.jdk_installed = {}, {}, "", []
        step.product_inputs = {}
    for event in events:
        if event.get("event") != "task":
            continue
        step = result.host(str(event.get("host", "")))
        _fold_facts(step, event.get("facts") or {})
        for dest, backup in event.get("backups") or []:
            role = str(event.get("role") or "unknown")
            step.backups.setdefault(role, {})[str(dest)] = str(backup)
    return result


def _fold_facts(step: HostStep, facts: Mapping[str, Any]) -> None:
    for role in FILE_ROLES:
        changes = facts.get(f"{role}_run_changes")
        if isinstance(changes, Mapping):
            step.changes[role] = dict(changes)
    jdk = facts.get("jdk_run_changes")
    if isinstance(jdk, Mapping):
        step.jdk_installed = [str(p) for p in jdk.get("installed") or []]
        # Kept only when there is something: plans of package installs read as they were.
        tarball = {key: jdk[key] for key in ("remove", "relink") if jdk.get(key)}
        if tarball:
            step.changes["jdk"] = tarball
    if isinstance(facts.get("product_release_dir"), str):
        step.release_dir = str(facts["product_release_dir"]).strip()
    previous = facts.get("product_previous_release")
    if isinstance(previous, str) and step.previous_release is None:
        step.previous_release = previous.strip()
    inputs = facts.get("product_rollback_inputs")
    if isinstance(inputs, Mapping):
        step.product_inputs = dict(inputs)


def role_changes(step: HostStep, role: str) -> dict[str, Any]:
    """What to undo for one role: its recorded fact, else the backups its tasks reported
    (a run killed before the role recorded its fact)."""
    if role in step.changes:
        return step.changes[role]
    backups = step.backups.get(role)
    return {"restore": dict(backups), "remove": [], "relink": {}} if backups else {}


def rollback_host_vars(plan: RollbackPlan) -> dict[str, dict[str, Any]]:
    """Per host, the inventory variables ``rollback.yml`` takes (see playbooks/README.md)."""
    found: dict[str, dict[str, Any]] = {}
    for step in plan.hosts:
        values: dict[str, Any] = {
            f"{role}_rollback_changes": role_changes(step, role) for role in FILE_ROLES
        }
        values["jdk_rollback_remove"] = bool(step.jdk_installed)
        values["jdk_rollback_changes"] = role_changes(step, "jdk")
        if step.app:
            previous = step.previous_release or ""
            values["product_rollback_release"] = previous
            values["product_rollback_version"] = step.previous_version if previous else ""
            failed = step.release_dir if step.release_dir != previous else ""
            values["product_rollback_failed_release"] = failed
            if step.previous_port:
                # The run may have moved Tomcat; the restored one answers on the old port.
                values["product_health_port"] = step.previous_port
        found[step.host] = values
    return found


class ProductInputs(BaseModel):
    """A run's ``product_rollback_inputs`` fact, read leniently: Ansible versions differ in
    whether a templated number or flag inside a fact arrives as itself or as its text."""

    model_config = ConfigDict(extra="ignore")
    current: str
    releases: str
    marker: str
    failed_marker: str
    work_dir: str = ""
    service: str = ""
    health_path: str
    health_port: int
    health_require_database: bool
    health_timeout: float


def product_inputs(step: HostStep) -> ProductInputs | None:
    """The inputs ``step`` recorded, or None when it recorded none or not all of them."""
    try:
        return ProductInputs.model_validate(step.product_inputs) if step.product_inputs else None
    except ValidationError:
        return None


#: The roles whose changes only their rollback plays undo.
OTHER_ROLES = ("mysql", "nginx", "tomcat", "jdk")


def release_only(plan: RollbackPlan) -> bool:
    """Whether the rollback has nothing to do but put the product's release and config files
    back on the app hosts, each of which recorded the inputs for that (``product_inputs``)."""
    for step in plan.hosts:
        if step.jdk_installed or any(_has_changes(role_changes(step, r)) for r in OTHER_ROLES):
            return False
        if step.app and (step.previous_release is None or product_inputs(step) is None):
            return False
    return any(step.app for step in plan.hosts)


def _has_changes(changes: Mapping[str, Any]) -> bool:
    """As the rollback playbook decides whom a role's play runs on: any part not empty."""
    return any(bool(part) for part in changes.values())


def package_changes(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, list[str]]:
    """Packages a run installed or upgraded: name -> [version before ("" if none), after].
    Packages the run removed are not listed: no role removes any."""
    return {
        name: [before.get(name, ""), version]
        for name, version in sorted(after.items())
        if before.get(name) != version
    }


def package_rollback_vars(plan: RollbackPlan) -> dict[str, dict[str, Any]]:
    """Per host that has any, the inputs of ``rollback-packages.yml`` (see playbooks/README.md)."""
    found: dict[str, dict[str, Any]] = {}
    for step in plan.hosts:
        if step.packages:
            found[step.host] = {
                "common_rollback_downgrade": [
                    [name, old] for name, (old, _new) in step.packages.items() if old
                ],
                "common_rollback_remove": [
                    name for name, (old, _new) in step.packages.items() if not old
                ],
            }
    return found


def irreversible(plan: RollbackPlan) -> list[str]:
    """One line per step that cannot be undone, for the plan's readers and for refusals."""
    return [f"{schema.schema}: {line}" for schema in plan.schemas for line in schema.irreversible]
