"""``lab up`` and ``lab rebuild``: from a spec to running hosts reachable over SSH.

Each object is recorded in state.json before it is created, so a failure (or a kill)
at any step leaves a state that ``down`` can undo; a failed ``up`` undoes itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from deployer.errors import LabError
from deployer.lab import firewall, network, nspawn, proxy, rootfs, state, teardown, unshare
from deployer.lab.access import LabAccess, access_for, fence, provision_access
from deployer.lab.files import KNOWN_HOSTS, write_access_files
from deployer.lab.hosts import Booting, wait_for_ssh
from deployer.lab.image import LAB_USER
from deployer.lab.login import lab_targets, wait_for_login
from deployer.lab.mirror import Mirror, machine_mirror
from deployer.lab.mounts import mount_overlay
from deployer.lab.network import DEFAULT_SUBNET, Addressing
from deployer.lab.paths import (
    LabNames,
    lab_id_for,
    proxy_socket_for,
    runtime_dir_for,
    state_dir_for,
)
from deployer.lab.preflight import choose_backend, require_root
from deployer.lab.provision import HostFiles, KeyPair, generate_keypair, provision
from deployer.lab.releases import OsChoice, Release
from deployer.lab.rootfs import BaseImage
from deployer.lab.state import Backend, HostState, LabState
from deployer.spec import load_environment
from deployer.transport.login import write_askpass
from deployer.transport.ssh import SshOptions

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    log.info("%s", message)


@dataclass(frozen=True)
class UpOptions:
    cache_dir: Path
    subnet: str | None = None  # None: DEFAULT_SUBNET (rebuild: the old lab's subnet)
    flavour: Backend | None = None  # None: systemd if nspawn is available, else unshare
    boot_timeout: float = 120.0
    os: OsChoice = field(default_factory=OsChoice)  # each host's release (--os)
    #: Hosts with no package proxy and no package sources. None: online (rebuild: as the
    #: old lab was).
    offline: bool | None = None


def up(spec: Path, options: UpOptions, progress: Progress = _quiet) -> LabState:
    """Bring up one lab host per spec host; returns the lab's state."""
    require_root()
    spec = spec.resolve()
    loaded = load_environment(spec)
    backend = choose_backend(options.flavour)
    subnet = network.parse_subnet(options.subnet or DEFAULT_SUBNET)
    # Bastions are lab hosts too: jumped through, nothing installed on them.
    names = [h.name for h in loaded.env.hosts] + [b.name for b in loaded.env.bastions]
    addressing = network.allocate(subnet, names)
    releases = options.os.releases_for(list(addressing.hosts))
    _refuse_if_running(spec)
    teardown.down(spec)  # leftovers of a crashed lab for this spec, if any
    network.check_subnet_free(subnet)
    mirror = machine_mirror()
    bases = _ensure_bases(options.cache_dir, mirror, releases.values(), progress)
    hosts = [_Planned(n, releases[n], bases[releases[n].name]) for n in addressing.hosts]
    addresses = {name: str(address) for name, address in addressing.hosts.items()}
    access = access_for(loaded.env, loaded.base_dir, addresses)
    lab = _initial_state(spec, backend, addressing, offline=bool(options.offline))
    try:
        lab = _bring_up(lab, addressing, hosts, mirror, options, access=access, progress=progress)
    except BaseException:
        log.info("lab up failed; undoing what it created")
        try:
            teardown.down(spec)
        except LabError as exc:
            log.warning("could not undo the failed lab up: %s", exc)
        raise
    return lab


def rebuild(spec: Path, options: UpOptions, progress: Progress = _quiet) -> LabState:
    """Down, then up from a clean overlay, keeping the old lab's subnet, flavour, whether
    it is offline and each host's release (unless ``options`` say otherwise)."""
    require_root()
    previous = state.load(state_dir_for(spec))
    if previous is not None and previous.backend != "vagrant":
        if options.subnet is None and previous.subnet:
            options = replace(options, subnet=previous.subnet)
        if options.flavour is None:
            options = replace(options, flavour=previous.backend)
        if options.offline is None:
            options = replace(options, offline=previous.offline)
        remembered = {h.name: h.release for h in previous.hosts}
        options = replace(options, os=options.os.remembering(remembered))
    teardown.down(spec)
    return up(spec, options, progress)


def _refuse_if_running(spec: Path) -> None:
    lab = state.load(state_dir_for(spec))
    if lab is None or lab.backend == "vagrant":
        return
    records = [h.process for h in lab.hosts if h.process] + ([lab.proxy] if lab.proxy else [])
    if any(r.alive() for r in records):
        raise LabError(
            f"a lab is already up for {spec}; use 'deployer lab rebuild' or 'deployer lab down'"
        )


@dataclass(frozen=True)
class _Planned:
    """A host to start: its name, release and that release's base image."""

    name: str
    release: Release
    base: BaseImage


def _ensure_bases(
    cache_dir: Path, mirror: Mirror, releases: Iterable[Release], progress: Progress
) -> dict[str, BaseImage]:
    """One base per release the lab's hosts run, built before any host starts."""
    wanted = {r.name: r for r in releases}
    return {
        name: rootfs.ensure_base(cache_dir, mirror, release, progress)
        for name, release in sorted(wanted.items())
    }


def _initial_state(
    spec: Path, backend: Backend, addressing: Addressing, *, offline: bool
) -> LabState:
    lab_id = lab_id_for(spec)
    names = LabNames(lab_id)
    state_dir = state_dir_for(spec)
    return LabState(
        spec=str(spec),
        lab_id=lab_id,
        backend=backend,
        state_dir=str(state_dir),
        subnet=str(addressing.subnet),
        gateway=str(addressing.gateway),
        bridge=names.bridge,
        user_key=str(state_dir / "id_ed25519"),
        offline=offline,
        paths=(str(proxy_socket_for(lab_id)), str(runtime_dir_for(lab_id))),
    )


def _bring_up(
    lab: LabState,
    addressing: Addressing,
    planned: Sequence[_Planned],
    mirror: Mirror,
    options: UpOptions,
    *,
    access: Mapping[str, LabAccess],
    progress: Progress,
) -> LabState:
    state_dir = Path(lab.state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    state_dir.chmod(0o700)
    state.save(lab)
    user_key = generate_keypair(Path(lab.user_key), f"deployer-lab-{lab.lab_id}")
    network.create_bridge(LabNames(lab.lab_id), addressing)
    lab = replace(lab, nft_table=LabNames(lab.lab_id).nft_table)
    state.save(lab)
    port = None if lab.offline else proxy.PORT  # offline: nothing on the machine is reachable
    if not firewall.install(lab.nft_table, lab.bridge, lab.gateway, port):
        lab = replace(lab, nft_table="")
    if not lab.offline:
        lab = _start_proxy(lab, mirror, options.cache_dir)
    progress(f"starting {len(addressing.hosts)} host(s) on {addressing.subnet}")
    booting: list[Booting] = []
    for index, plan in enumerate(planned):
        lab, host = _start_host(lab, index, plan, addressing, user_key, access=access[plan.name])
        booting.append(Booting(host.name, host.address, host.port, host.process, console_log(host)))
    if lab.proxy is not None:
        proxy.wait_ready(lab.proxy, lab.gateway, state_dir / "proxy" / "output.log", 10.0)
    wait_for_ssh(booting, options.boot_timeout)
    _open_access(lab, access, options.boot_timeout)
    return lab


def _open_access(lab: LabState, access: Mapping[str, LabAccess], timeout: float) -> None:
    """Fence hosts reached through a jump host, write the access files, await every login."""
    state_dir = Path(lab.state_dir)
    for host in lab.hosts:
        jump = access[host.name].jump_address
        if jump is not None:
            fence(host.netns, jump)  # from now on, SSH only through the jump host
    write_access_files(lab, Path(lab.spec))
    askpass = write_askpass(state_dir)
    targets = lab_targets(lab, access, state_dir / KNOWN_HOSTS)
    consoles = {host.name: console_log(host) for host in lab.hosts}
    options = SshOptions(connect_timeout=3, askpass=askpass)
    wait_for_login(targets, options, timeout, boot_log=consoles.__getitem__)


def _start_proxy(lab: LabState, mirror: Mirror, cache_dir: Path) -> LabState:
    record = proxy.start(
        mirror,
        lab.gateway,
        Path(lab.state_dir) / "proxy",
        cache_dir / "apt-cacher-ng",
        proxy_socket_for(lab.lab_id),
    )
    lab = replace(lab, proxy=record)
    state.save(lab)
    return lab


def _start_host(
    lab: LabState,
    index: int,
    plan: _Planned,
    addressing: Addressing,
    user: KeyPair,
    *,
    access: LabAccess,
) -> tuple[LabState, HostState]:
    name = plan.name
    names = LabNames(lab.lab_id)
    host_dir = runtime_dir_for(lab.lab_id) / name
    host = HostState(
        name=name,
        address=str(addressing.hosts[name]),
        user=LAB_USER,
        netns=names.netns(name),
        veth=names.veth(index),
        machine=names.machine(name) if lab.backend == "systemd" else "",
        dir=str(host_dir),
        root=str(host_dir / "root"),
        release=plan.release.name,
        via=access.via or "",
        password_login=not access.key_login,
    )
    lab = lab.with_host(host)
    state.save(lab)
    network.create_host_link(
        names, index, host.netns, addressing.hosts[name], addressing.subnet.prefixlen
    )
    root = Path(host.root)
    mount_overlay(plan.base.rootfs, host_dir / "upper", host_dir / "work", root)
    host_key = generate_keypair(host_dir / "ssh_host_ed25519_key", f"root@{name}")
    hosts = {n: str(a) for n, a in addressing.hosts.items()}
    proxy_url = None if lab.offline else f"http://{lab.gateway}:{proxy.PORT}"
    authorized = user.public if access.key_login else None
    provision(root, HostFiles(name, hosts, proxy_url, host_key, authorized))
    provision_access(root, access)
    host_key.private.unlink()
    log_file = console_log(host)
    if lab.backend == "systemd":
        record = nspawn.boot(host.machine, name.replace("_", "-"), host.netns, root, log_file)
    else:
        record = unshare.boot(name, host.netns, root, log_file)
    host = replace(host, host_key=host_key.public, process=record)
    lab = lab.with_host(host)
    state.save(lab)
    return lab, host


def console_log(host: HostState) -> Path:
    """Where the host's console (its boot) is written."""
    return Path(host.dir) / "console.log"
