"""Where a lab's access files live, and writing them (ssh_config, known_hosts, spec.yml)."""

from __future__ import annotations

from pathlib import Path

from deployer.errors import LabError
from deployer.lab import state
from deployer.lab.overlay import (
    Access,
    overlay_document,
    render_known_hosts,
    render_overlay,
    render_ssh_config,
)
from deployer.lab.paths import state_dir_for
from deployer.lab.state import LabState, write_private
from deployer.spec import SpecError, load_environment
from deployer.spec.loader import read_document

SSH_CONFIG = "ssh_config"
KNOWN_HOSTS = "known_hosts"
SPEC_OVERLAY = "spec.yml"


def _existing(spec: Path, name: str) -> Path:
    path = state_dir_for(spec) / name
    if not path.is_file():
        raise LabError(f"no lab is up for {spec}; run deployer lab up {spec}")
    return path


def lab_spec_path(spec: Path) -> Path:
    """The spec overlay that points deployer at the lab made from ``spec``."""
    return _existing(spec, SPEC_OVERLAY)


def lab_ssh_config(spec: Path) -> Path:
    return _existing(spec, SSH_CONFIG)


def lab_known_hosts(spec: Path) -> Path:
    return _existing(spec, KNOWN_HOSTS)


def access_of(lab: LabState) -> list[Access]:
    return [
        Access(
            h.name,
            h.address,
            h.port,
            h.user,
            h.key or lab.user_key,
            h.host_key or None,
            via=h.via,
            password_login=h.password_login,
        )
        for h in lab.hosts
    ]


def write_access_files(lab: LabState, spec: Path, how: str = "lab up") -> None:
    """Write known_hosts, ssh_config and the spec overlay, then check the overlay loads."""
    state_dir = Path(lab.state_dir)
    hosts = access_of(lab)
    known_hosts = state_dir / KNOWN_HOSTS
    write_private(known_hosts, render_known_hosts(hosts), 0o644)
    write_private(state_dir / SSH_CONFIG, render_ssh_config(hosts, known_hosts), 0o644)
    doc, _ = read_document(spec)
    overlay = overlay_document(doc.data, spec.parent, {h.name: h for h in hosts})
    target = state_dir / SPEC_OVERLAY
    write_private(target, render_overlay(overlay, spec, how), 0o644)
    try:
        load_environment(target)
    except SpecError as exc:
        first = exc.problems[0] if exc.problems else "unknown problem"
        raise LabError(f"the lab spec overlay {target} does not validate: {first}") from exc
    state.save(lab)


def lab_spec_for(spec: Path) -> Path:
    """The overlay that points ``spec`` at a lab: the lab made from it, or else the lab made
    from another spec of the same environment beside it (same customer, environment and host
    names) — so an upgrade's spec runs against the lab its first release was rehearsed on."""
    spec = spec.resolve()
    own = state_dir_for(spec) / SPEC_OVERLAY
    if own.is_file():
        return own
    doc, _ = read_document(spec)
    for candidate in sorted((spec.parent / ".deployer" / "lab").glob(f"*/{SPEC_OVERLAY}")):
        lab = state.load(candidate.parent)
        other, _ = read_document(candidate)
        if lab is None or _identity(other.data) != _identity(doc.data):
            continue
        hosts = {h.name: h for h in access_of(lab)}
        target = candidate.parent / "specs" / spec.name
        target.parent.mkdir(exist_ok=True)
        overlay = overlay_document(doc.data, spec.parent, hosts)
        write_private(target, render_overlay(overlay, spec, f"the lab of {lab.spec}"), 0o644)
        return target
    raise LabError(f"no lab is up for {spec} or its environment; run deployer lab up {spec}")


def _identity(data: object) -> tuple[object, ...]:
    if not isinstance(data, dict):
        return ()
    hosts = data.get("hosts") or []
    names = sorted(str(h.get("name")) for h in hosts if isinstance(h, dict))
    return (data.get("customer"), data.get("environment"), tuple(names))
