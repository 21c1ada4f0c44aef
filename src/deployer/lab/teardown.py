"""``lab down``: undo everything a lab created, whatever state it was left in.

It works from state.json where there is one, and also sweeps the objects named after
the lab's id (namespaces, veths, bridge, nft table, mounts under its folder), so it is
idempotent and safe after a crash, a lost state file or ``kill -9`` of a host's init.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import signal
from pathlib import Path

from deployer.errors import LabError
from deployer.lab import firewall, hosts, network, nspawn, processes, proxy, state
from deployer.lab.mounts import mounts_under, unmount_all
from deployer.lab.paths import (
    SOCKET_DIR,
    LabNames,
    lab_id_for,
    proxy_socket_for,
    runtime_dir_for,
    state_dir_for,
)
from deployer.lab.state import LabState

log = logging.getLogger(__name__)
PROXY_GRACE = 5.0


def down(spec: Path) -> bool:
    """Tear down the lab of ``spec``; True if there was anything to remove."""
    spec = spec.resolve()
    state_dir = state_dir_for(spec)
    names = LabNames(lab_id_for(spec))
    lab = _readable_state(state_dir)
    found = lab is not None or _leftovers(names, state_dir)
    if lab is not None and lab.backend != "vagrant":
        _stop_processes(lab)
    _stop_strays(names, state_dir)
    runtime_dir = runtime_dir_for(names.lab_id)
    for folder in (runtime_dir, state_dir):
        unmount_all(folder)
    network.delete_all(names)
    firewall.remove(names.nft_table)
    _remove_propagate_dirs(names, lab)
    for extra in {*(lab.paths if lab else ()), str(proxy_socket_for(names.lab_id))}:
        if Path(extra).is_file() or Path(extra).is_socket():
            Path(extra).unlink()
    for folder in (runtime_dir, state_dir):
        _remove_folder(folder)
    for parent in (runtime_dir.parent, SOCKET_DIR):
        with contextlib.suppress(OSError):
            parent.rmdir()  # only once empty: other labs may still use it
    return found


def _stop_strays(names: LabNames, state_dir: Path) -> None:
    """Kill what runs in the lab's namespaces or as its proxy though no state names it."""
    netns = [network.NETNS_DIR / n for n in network.existing_netns(names.netns_prefix)]
    strays = processes.in_network_namespaces(netns)
    strays += processes.with_argv(proxy.argv(state_dir / "proxy"))
    strays = [r for r in strays if r.alive()]
    if strays:
        log.warning("stopping %d process(es) of the lab that its state did not list", len(strays))
        processes.stop(strays, 0.0, signal.SIGKILL)


def _readable_state(state_dir: Path) -> LabState | None:
    """The lab's state; a damaged file still lets ``down`` sweep by name."""
    try:
        return state.load(state_dir)
    except LabError as exc:
        log.warning("%s; removing what is named after this lab instead", exc)
        return None


def _remove_folder(folder: Path) -> None:
    """rm -rf, but never through a mount that is still there."""
    if folder.exists():
        if mounts_under(folder):
            raise LabError(f"{folder} still has mounts; not removing it")
        shutil.rmtree(folder)


def _leftovers(names: LabNames, state_dir: Path) -> bool:
    return bool(
        state_dir.exists()
        or runtime_dir_for(names.lab_id).exists()
        or network.existing_netns(names.netns_prefix)
        or network.existing_links([names.link_prefix, names.bridge])
    )


def _stop_processes(lab: LabState) -> None:
    records = [h.process for h in lab.hosts if h.process is not None]
    hosts.stop_hosts(records, lab.backend)
    if lab.proxy is not None:
        processes.stop([lab.proxy], PROXY_GRACE, signal.SIGTERM)


def _remove_propagate_dirs(names: LabNames, lab: LabState | None) -> None:
    """nspawn leaves /run/systemd/nspawn/propagate/NAME behind; remove only ours."""
    machines = {h.machine for h in lab.hosts if h.machine} if lab else set()
    with contextlib.suppress(OSError):
        machines |= {
            p.name for p in nspawn.PROPAGATE_DIR.iterdir() if p.name.startswith(names.netns_prefix)
        }
    for machine in machines:
        folder = nspawn.propagate_dir(machine)
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder)
