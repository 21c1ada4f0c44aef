"""A role's variables and tasks as Ansible sees them on a host, rendered in-process with
Ansible's own loader and Templar (no program is started).

``role_variables`` stacks the layers the way a play does after a role's os-vars.yml: its
defaults, the host's facts and platform, vars/main.yml, vars/<family>.yml, vars/<release>.yml
(include_vars, loaded in that order, later files winning), then the role's inputs, which
deployer passes as extra vars and which win over everything. Every value is templated the way
a task would see it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROLES = Path(__file__).resolve().parents[2] / "roles"


def load(path: Path) -> Any:
    """A YAML file as include_vars and task files load it: its strings may be templates."""
    return DataLoader().load_from_file(str(path), trusted_as_template=True)


def host_facts(platform: Mapping[str, str], architecture: str = "x86_64") -> dict[str, Any]:
    """The Ansible facts the roles read, for a host of ``platform``."""
    return {
        "os_family": platform["family"],
        "architecture": architecture,
        "pkg_mgr": platform["pkg_manager"],
        "python": {"executable": "/usr/bin/python3"},
        "selinux": {"status": "disabled"},
    }


def stacked(role: str, platform: Mapping[str, str], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The role's variables before templating, layered as a play stacks them."""
    base = ROLES / role
    variables: dict[str, Any] = {}
    for path in (base / "defaults/main.yml", base / "vars/main.yml"):
        if path.is_file():
            variables.update(load(path) or {})
    variables["ansible_facts"] = host_facts(platform)
    variables["deployer_platform"] = dict(platform)
    if (base / "tasks/os-vars.yml").is_file():  # common has no settings per OS
        for name in (platform["family"], platform["release"]):
            variables.update(load(base / "vars" / f"{name}.yml") or {})
    variables.update(inputs)
    return variables


def templar(variables: Mapping[str, Any]) -> Templar:
    return Templar(loader=DataLoader(), variables=dict(variables))


def role_variables(
    role: str, platform: Mapping[str, str], inputs: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The role's internal variables (``__<role>_*``: packages, services, paths), templated."""
    variables = stacked(role, platform, inputs or {})
    render = templar(variables)
    return {
        name: render.template(value)
        for name, value in variables.items()
        if name.startswith(f"__{role}_")
    }


def holds(render: Templar, conditions: Any) -> bool:
    """Whether a task's ``when`` (one condition or a list) holds."""
    listed = conditions if isinstance(conditions, list) else [conditions]
    return all(
        render.template(trust_as_template(f"{{{{ ({condition}) | bool }}}}")) is True
        for condition in listed
        if condition is not None
    )


def tasks_run(
    role: str,
    tasks_file: str,
    platform: Mapping[str, str],
    inputs: Mapping[str, Any] | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """The module and templated arguments of each task of a task file (blocks included) whose
    ``when`` holds on a host of ``platform``, in order. Registered results are not known, so a
    condition on one does not hold."""
    render = templar(stacked(role, platform, inputs or {}))
    return _run(render, load(ROLES / role / "tasks" / tasks_file))


def _run(render: Templar, tasks: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for task in tasks:
        if "loop" in task:  # once per item, each with its own `item`
            for item in render.template(task["loop"]):
                looped = templar({**render.available_variables, "item": item})
                found.extend(_run(looped, [{k: v for k, v in task.items() if k != "loop"}]))
            continue
        if not holds(render, task.get("when")):
            continue
        if "block" in task:  # what runs when nothing fails: the block, not its rescue
            found.extend(_run(render, task["block"]))
            continue
        module = next(key for key in task if "." in key)
        found.append((module, render.template(task[module])))
    return found
