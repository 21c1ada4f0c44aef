"""``lab status``: what the lab of a spec is, checked for real (process and sshd)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from deployer.lab import network, state
from deployer.lab.files import KNOWN_HOSTS, SPEC_OVERLAY, SSH_CONFIG
from deployer.lab.hosts import ssh_answers
from deployer.lab.paths import state_dir_for
from deployer.lab.state import HostState, LabState

HostCondition = Literal["running", "stopped", "missing", "unknown"]
LabCondition = Literal["up", "degraded", "down", "absent"]


@dataclass(frozen=True)
class HostStatus:
    name: str
    address: str
    port: int
    user: str
    key: str
    known_hosts: str
    state: HostCondition
    release: str = ""  # empty for a Vagrant lab: its boxes say what they run


@dataclass(frozen=True)
class LabStatus:
    spec: str
    state: LabCondition
    backend: str = ""
    subnet: str = ""
    gateway: str = ""
    proxy: str = ""  # empty where the lab has no proxy (an offline or a Vagrant lab)
    offline: bool = False  # hosts without a package proxy or package sources
    state_dir: str = ""
    ssh_config: str = ""
    known_hosts: str = ""
    spec_overlay: str = ""
    hosts: tuple[HostStatus, ...] = ()


def status(spec: Path) -> LabStatus:
    spec = spec.resolve()
    state_dir = state_dir_for(spec)
    lab = state.load(state_dir)
    if lab is None:
        return LabStatus(spec=str(spec), state="absent")
    known_hosts = str(state_dir / KNOWN_HOSTS)
    hosts = _hosts(lab, known_hosts)
    running = [h for h in hosts if h.state == "running"]
    condition: LabCondition = (
        "up" if hosts and len(running) == len(hosts) else "degraded" if running else "down"
    )
    proxy = "" if lab.proxy is None else "running" if lab.proxy.alive() else "stopped"
    return LabStatus(
        spec=str(spec),
        state=condition,
        backend=lab.backend,
        subnet=lab.subnet,
        gateway=lab.gateway,
        proxy=proxy,
        offline=lab.offline,
        state_dir=str(state_dir),
        ssh_config=str(state_dir / SSH_CONFIG),
        known_hosts=known_hosts,
        spec_overlay=str(state_dir / SPEC_OVERLAY),
        hosts=hosts,
    )


def _hosts(lab: LabState, known_hosts: str) -> tuple[HostStatus, ...]:
    return tuple(
        HostStatus(
            h.name,
            h.address,
            h.port,
            h.user,
            h.key or lab.user_key,
            known_hosts,
            _host(lab, h),
            "" if lab.backend == "vagrant" else h.release,
        )
        for h in lab.hosts
    )


def _host(lab: LabState, host: HostState) -> HostCondition:
    if lab.backend == "vagrant":
        # Only loopback is probed: the lab sends nothing to addresses it did not create.
        if not _is_loopback(host.address):
            return "unknown"
        return "running" if ssh_answers(host.address, host.port) else "stopped"
    if host.process is None or host.netns not in network.existing_netns(host.netns):
        return "missing"
    # A host fenced to its jump host answers nobody else: its process is all there is to see.
    answers = bool(host.via) or ssh_answers(host.address, host.port)
    if host.process.alive() and answers:
        return "running"
    return "stopped"


def _is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
