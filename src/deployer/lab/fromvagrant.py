"""``lab from-vagrant``: a spec overlay for Vagrant VMs, from ``vagrant ssh-config``.

Vagrant's output pins no host keys (it turns checking off); keys can be pinned from a
known_hosts file. Without one, the overlay and ssh_config still check host keys
strictly, so connections fail until the keys are added to the lab's known_hosts.
"""

from __future__ import annotations

from pathlib import Path

from deployer.errors import LabError
from deployer.lab import state
from deployer.lab.files import write_access_files
from deployer.lab.paths import lab_id_for, state_dir_for
from deployer.lab.state import HostState, LabState
from deployer.lab.vagrant import VagrantHost, parse_known_hosts, parse_ssh_config
from deployer.spec import load_environment


def from_vagrant(
    spec: Path, ssh_config: str, source: str, known_hosts: str | None = None
) -> LabState:
    """Write the lab files for ``spec`` from ``vagrant ssh-config`` output."""
    spec = spec.resolve()
    loaded = load_environment(spec)
    machines = parse_ssh_config(ssh_config, source)
    missing = [h.name for h in loaded.env.hosts if h.name not in machines]
    if missing:
        raise LabError(f"{source}: no entry for host {', '.join(missing)} of {spec}")
    keys = parse_known_hosts(known_hosts or "")
    state_dir = state_dir_for(spec)
    current = state.load(state_dir)
    if current is not None and current.backend != "vagrant":
        raise LabError(f"a local lab is up for {spec}; run deployer lab down {spec} first")
    hosts = tuple(_host(machines[h.name], keys, source) for h in loaded.env.hosts)
    lab = LabState(
        spec=str(spec),
        lab_id=lab_id_for(spec),
        backend="vagrant",
        state_dir=str(state_dir),
        hosts=hosts,
        user_key="",
    )
    state_dir.mkdir(parents=True, exist_ok=True)
    write_access_files(lab, spec, "lab from-vagrant")
    return lab


def _host(machine: VagrantHost, keys: dict[tuple[str, int], str], source: str) -> HostState:
    return HostState(
        name=machine.name,
        address=machine.hostname,
        port=machine.port,
        user=machine.user,
        host_key=keys.get((machine.hostname, machine.port), ""),
        key=_identity(machine, source),
    )


def _identity(machine: VagrantHost, source: str) -> str:
    if not machine.identity_files:
        raise LabError(f"{source}: host {machine.name} has no IdentityFile")
    return str(Path(machine.identity_files[0]).expanduser())
