"""Jump hosts: what ``via`` may name, and how long a chain may be.

A host's ``via`` names another host of the spec or a bastion; a bastion's ``via`` names
another bastion. A chain holds at most two jumps (laptop -> bastion -> bastion -> host), the
deepest sites need; longer ones and loops are refused before anything connects. Like the other
cross-field checks these read the raw YAML data, so they run when other fields are invalid.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from deployer.spec.yamlsource import YamlPath

Finding = tuple[YamlPath, str]

#: Jumps between the engineer's machine and a host, at most.
MAX_JUMPS = 2


def jump_findings(hosts: list[dict[str, Any]], bastions: list[dict[str, Any]]) -> Iterator[Finding]:
    """Every problem with ``bastions`` names and the ``via`` of hosts and bastions."""
    host_names = {_name(host) for host in hosts} - {""}
    bastion_names: dict[str, int] = {}
    for index, bastion in enumerate(bastions):
        name = _name(bastion)
        if not name:
            continue
        if name in host_names:
            yield (("bastions", index, "name"), f"'{name}' is also the name of a host")
        elif name in bastion_names:
            yield (
                ("bastions", index, "name"),
                f"duplicate bastion name '{name}' (also bastions[{bastion_names[name]}])",
            )
        else:
            bastion_names[name] = index
    via = {_name(h): _via(h) for h in [*hosts, *bastions] if _name(h)}
    for index, host in enumerate(hosts):
        yield from _reference(("hosts", index, "via"), host, host_names | set(bastion_names))
    for index, bastion in enumerate(bastions):
        yield from _reference(("bastions", index, "via"), bastion, set(bastion_names), "bastion")
    for section, members in (("hosts", hosts), ("bastions", bastions)):
        for index, member in enumerate(members):
            if _via(member) == _name(member):
                continue  # reported as such above
            problem = _chain_problem(_name(member), via)
            if problem:
                yield ((section, index, "via"), problem)


def chain(name: str, via: Mapping[str, str]) -> list[str]:
    """The jumps to ``name``, nearest to the engineer first (``via`` maps a name to the name it
    is reached through, '' for direct); a loop stops where it closes."""
    hops: list[str] = []
    current = via.get(name, "")
    while current and current not in hops and current != name:
        hops.append(current)
        current = via.get(current, "")
    return list(reversed(hops))


def _reference(
    path: YamlPath, member: dict[str, Any], known: set[str], what: str = "host or bastion"
) -> Iterator[Finding]:
    target = _via(member)
    if not target:
        return
    if target == _name(member):
        yield (path, "a host cannot be reached through itself")
    elif target not in known:
        names = ", ".join(sorted(known)) or "none"
        yield (path, f"no {what} named '{target}' (known: {names})")


def _chain_problem(name: str, via: Mapping[str, str]) -> str:
    seen = [name]
    current = via.get(name, "")
    while current:
        if current in seen:
            return "the via chain loops: " + " -> ".join([*seen, current])
        seen.append(current)
        current = via.get(current, "")
    jumps = len(seen) - 1
    if jumps > MAX_JUMPS:
        route = " <- ".join(seen)
        return f"{jumps} jumps to reach {name} ({route}); at most {MAX_JUMPS} are allowed"
    return ""


def _name(member: dict[str, Any]) -> str:
    value = member.get("name")
    return value.strip() if isinstance(value, str) else ""


def _via(member: dict[str, Any]) -> str:
    value = member.get("via")
    return value.strip() if isinstance(value, str) else ""
