"""One sh script that runs every fact's snippet, and the parser of its output.

The transport sends ``build_probe(...)`` in a single exec per host (for instance as
``sh -s`` with the script on stdin, or ``sh -c SCRIPT``) and hands the raw stdout to
``parse_probe``. Each section is framed by marker lines::

    @@deployer:begin os.release@@
    ...whatever the snippet printed...
    @@deployer:end os.release rc=0@@

Every section runs with stdin from /dev/null (a snippet can never eat the rest of a script
fed on stdin, nor wait for input) and stderr discarded. Sections run in the probe's own
shell, as ``{ ...; }`` groups rather than subshells: a fork costs about a third of a
millisecond on a small VM, two dozen of them a tenth of the probe. What a subshell gave
each section is set up before it instead: no variable left by an earlier section (every
name any snippet assigns is unset), a fresh ``deployer_new`` memory, and ``$@`` holding the
disk paths or nothing. A value that several snippets need (``Fact.shared``) is computed
once, in the probe's own shell, just before the first section that needs it. The probe
only reads: it writes no file and changes no setting.
"""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from deployer.facts.base import Fact
from deployer.facts.catalog import FACTS
from deployer.facts.model import HostFacts
from deployer.facts.prelude import PRELUDE
from deployer.spec.environment import Role
from deployer.spec.matrix import SupportMatrix

log = logging.getLogger(__name__)

_SECTION = re.compile(
    r"^@@deployer:begin (?P<id>[a-z0-9._-]+)@@\n(?P<body>.*?)\n"
    r"@@deployer:end (?P=id) rc=(?P<rc>\d+)@@$",
    re.MULTILINE | re.DOTALL,
)
_UNSAFE_PATH = re.compile(r"[\x00-\x1f\x7f]")
#: Names a snippet gives a value: ``name=``, ``read [-r] name...`` and ``for name in``. The
#: probe's own ``deployer_*`` names are left out: shared steps set them for later sections.
_ASSIGNED = re.compile(r"(?<![\w$])([a-z_][a-z0-9_]*)=")
_READ_NAMES = re.compile(r"\bread(?: -r)?((?: [a-z_][a-z0-9_]*)+)")
_FOR_NAME = re.compile(r"\bfor ([a-z_][a-z0-9_]*) in\b")


@dataclass(frozen=True)
class Section:
    """What one snippet printed, and the exit status of its last command."""

    body: str
    rc: int


def build_probe(
    disk_paths: Sequence[str], facts: Iterable[Fact] = FACTS, *, ports: Iterable[int] = ()
) -> str:
    """The probe script; ``disk_paths`` are the paths whose free space to report, ``ports``
    those the product will listen on (a socket already on one is worth naming its process)."""
    for path in disk_paths:
        if not path.startswith("/") or _UNSAFE_PATH.search(path):
            raise ValueError(f"disk path must be absolute, without control characters: {path!r}")
    set_paths = " ".join(["set --", *(shlex.quote(p) for p in disk_paths)])
    facts = tuple(facts)
    names = snippet_variables(fact.command for fact in facts)
    unset = f"unset -v {' '.join(names)}; " if names else ""
    watched = " ".join(str(port) for port in sorted(set(ports)) if 0 < port < 65536)
    parts = [
        PRELUDE,
        f"deployer_ports='{watched}'\ndeployer_fresh() {{ {unset}deployer_seen='|'; }}\n",
    ]
    computed: set[str] = set()
    for fact in facts:
        for shared in fact.shared:
            if shared.name not in computed:
                computed.add(shared.name)
                parts.append(f"{{\n{shared.command.strip()}\n}} </dev/null 2>/dev/null\n")
        quoted = shlex.quote(fact.id)
        arguments = set_paths if fact.uses_paths else "set --"
        parts.append(
            f"printf '%s\\n' {shlex.quote(f'@@deployer:begin {fact.id}@@')}\n"
            f"deployer_fresh; {arguments}\n"
            f"{{\n{fact.command.strip()}\n}} </dev/null 2>/dev/null\n"
            f"printf '\\n@@deployer:end %s rc=%s@@\\n' {quoted} \"$?\"\n"
        )
    return "\n".join(parts)


def snippet_variables(commands: Iterable[str]) -> list[str]:
    """Every variable the snippets assign, but the probe's own ``deployer_*`` names."""
    found: set[str] = set()
    for command in commands:
        found.update(_ASSIGNED.findall(command))
        found.update(_FOR_NAME.findall(command))
        for group in _READ_NAMES.findall(command):
            found.update(group.split())
    return sorted(name for name in found if not name.startswith("deployer_") and name != "_")


def split_sections(stdout: str) -> dict[str, Section]:
    text = stdout.replace("\r\n", "\n")
    return {
        match.group("id"): Section(match.group("body"), int(match.group("rc")))
        for match in _SECTION.finditer(text)
    }


def parse_probe(stdout: str, facts: Iterable[Fact] = FACTS) -> HostFacts:
    """Typed facts from the probe's stdout; a fact that cannot be read is *unknown*."""
    sections = split_sections(stdout)
    declared = list(facts)
    values: dict[str, Any] = {}
    unknown: dict[str, str] = {}
    for fact in declared:
        section = sections.get(fact.id)
        if section is None:
            unknown[fact.id] = "no output for this fact: the probe stopped before it"
            continue
        try:
            values[fact.field] = fact.parse(section.body)
        except Exception as exc:  # a parser bug must not lose the other facts
            log.debug("fact %s: parser failed on %r", fact.id, section.body, exc_info=True)
            unknown[fact.id] = f"could not read the output (rc={section.rc}): {exc}"
    return _host_facts(values, unknown, {fact.field: fact.id for fact in declared})


def _host_facts(values: dict[str, Any], unknown: dict[str, str], ids: dict[str, str]) -> HostFacts:
    """HostFacts, with any value a parser got wrong turned into an unknown fact."""
    try:
        return HostFacts(**values, unknown=unknown)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            if field in values:
                del values[field]
                unknown[ids.get(field, field)] = f"the parser gave an invalid value: {error['msg']}"
        return HostFacts(**values, unknown=unknown)


def matrix_disk_paths(matrix: SupportMatrix, roles: Iterable[Role] | None = None) -> list[str]:
    """The disk paths the matrix sets requirements on, for some roles or all of them."""
    wanted = set(roles) if roles is not None else set(matrix.resources)
    paths = {
        disk.path
        for role, resources in matrix.resources.items()
        if role in wanted
        for disk in resources.disk
    }
    return sorted(paths)
