"""Lab lifecycles on the tests' own small labs: packages, rebuild, down after kill -9.

Each lab here has its own spec and subnet, so the shared example lab is never touched.
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import time
from collections.abc import Iterator

import pytest
from labsupport import (
    EXAMPLE,
    Lab,
    deployer_cli,
    free_subnet,
    lab_pids,
    lab_unavailable,
    leftovers,
    start_lab,
    write_spec,
)

from deployer import lab
from deployer.lab import state
from deployer.lab.processes import ProcessRecord

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def machine() -> None:
    reason = lab_unavailable()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def lifecycle_lab(machine: None) -> Iterator[Lab]:
    spec = write_spec("lifecycle", [("web1", ["web", "app"])])
    started = start_lab(spec, free_subnet())
    try:
        yield started
    finally:
        lab.down(spec)


def test_nginx_installs_through_the_proxy_and_serves_its_page(machine: None) -> None:
    spec = write_spec("packages", [("web1", ["web", "app"])])
    packages = start_lab(spec, free_subnet())
    try:
        apt = "sudo DEBIAN_FRONTEND=noninteractive apt-get"
        done = packages.ssh(
            "web1",
            f"{apt} update -q && {apt} install -y -q nginx && curl -s localhost",
        )
        assert "<title>Welcome to nginx!</title>" in done.stdout, done.stderr[-2000:]
        pids = lab_pids(spec)
    finally:
        lab.down(spec)
    assert leftovers(spec, pids) == []


def test_rebuild_starts_from_a_clean_root_filesystem(lifecycle_lab: Lab) -> None:
    assert lifecycle_lab.ssh("web1", "touch /home/deploy/marker").returncode == 0
    before = state.load(lab.state_dir_for(lifecycle_lab.spec))
    done = deployer_cli("lab", "rebuild", str(lifecycle_lab.spec))
    assert done.returncode == 0, done.stderr
    after = state.load(lab.state_dir_for(lifecycle_lab.spec))
    assert before is not None and after is not None
    assert after.subnet == before.subnet  # rebuild keeps the lab's subnet
    assert after.hosts[0].host_key != before.hosts[0].host_key
    check = lifecycle_lab.ssh("web1", "test -e /home/deploy/marker && echo dirty || echo clean")
    assert check.stdout.strip() == "clean", check.stderr


def test_down_after_kill_9_of_a_hosts_init_leaves_nothing(lifecycle_lab: Lab) -> None:
    spec = lifecycle_lab.spec
    current = state.load(lab.state_dir_for(spec))
    assert current is not None and current.proxy is not None
    nspawn = current.hosts[0].process
    assert nspawn is not None
    init = nspawn.children()
    assert init, "systemd-nspawn has no child (the host's init)"
    pids = lab_pids(spec)
    assert init[0] in pids
    os.kill(init[0], signal.SIGKILL)
    _wait_dead(nspawn)
    done = deployer_cli("lab", "down", str(spec))
    assert done.returncode == 0, done.stderr
    assert leftovers(spec, pids) == []
    again = deployer_cli("lab", "down", str(spec))
    assert again.returncode == 0
    assert "nothing to do" in again.stdout


def test_down_without_a_state_file_still_removes_everything(machine: None) -> None:
    """As after a crash that lost state.json: down finds the lab by its names."""
    spec = write_spec("lost-state", [("web1", ["web", "app"])])
    start_lab(spec, free_subnet())
    pids = lab_pids(spec)
    (lab.state_dir_for(spec) / "state.json").unlink()
    done = deployer_cli("lab", "down", str(spec))
    assert done.returncode == 0, done.stderr
    assert leftovers(spec, pids) == []


def test_unshare_flavour_up_and_down_after_kill_9(machine: None) -> None:
    spec = write_spec("unshare", [("web1", ["web", "app"]), ("web2", ["web", "app"])])
    lab.down(spec)
    subnet = free_subnet()
    done = deployer_cli("lab", "up", str(spec), "--flavour", "unshare", "--subnet", subnet)
    assert done.returncode == 0, done.stderr
    try:
        status = json.loads(deployer_cli("lab", "status", str(spec), "--json").stdout)
        assert status["backend"] == "unshare"
        assert [h["state"] for h in status["hosts"]] == ["running", "running"]
        unshared = Lab(spec, lab.lab_ssh_config(spec), lab.lab_known_hosts(spec))
        ping = unshared.ssh("web1", "ps -o comm= -p 1; getent hosts web2")
        web2 = str(ipaddress.IPv4Network(subnet).network_address + 11)
        assert ping.stdout.split()[:2] == ["tini", web2], ping.stderr
        current = state.load(lab.state_dir_for(spec))
        assert current is not None
        host = current.hosts[0].process
        assert host is not None
        pids = lab_pids(spec)
        os.kill(host.children()[0], signal.SIGKILL)
    finally:
        assert deployer_cli("lab", "down", str(spec)).returncode == 0
    assert leftovers(spec, pids) == []


def test_overlapping_subnet_is_refused_in_one_line(example_lab: Lab) -> None:
    spec = write_spec("overlap", [("web1", ["web", "app"])])
    taken = state.load(lab.state_dir_for(example_lab.spec))
    assert taken is not None
    half = next(ipaddress.IPv4Network(taken.subnet).subnets(new_prefix=25))
    done = deployer_cli("lab", "up", str(spec), "--subnet", str(half))
    assert done.returncode == 11
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"error: subnet {half} overlaps the existing route {taken.subnet}")
    assert line.endswith("choose another with --subnet")
    assert leftovers(spec) == []


def test_not_root_is_one_clear_line(machine: None) -> None:
    nobody = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
    done = deployer_cli("lab", "up", str(EXAMPLE), user=nobody)
    if done.returncode in (126, 127) or "Permission denied" in done.stderr:
        pytest.skip(f"this Python cannot run as nobody here: {done.stderr.strip()[:200]}")
    assert done.returncode == 11
    assert done.stderr.strip().splitlines() == [
        "error: deployer lab needs root: it creates network namespaces, a bridge and mounts "
        "(run it as root or with sudo)"
    ]


def _wait_dead(record: ProcessRecord, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while record.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not record.alive(), "systemd-nspawn outlived its container's init"
