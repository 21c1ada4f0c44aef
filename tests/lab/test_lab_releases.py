"""Lab hosts of other Debian releases: app1 on debian-13 and db1 on debian-11 in one lab.

Each boots its own release's base under systemd, answers SSH with the host key the lab
pinned, runs Python and installs packages from its own suites through the lab's proxy;
``lab rebuild`` brings both back on the same releases.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from labsupport import Lab, deployer_cli, lab_pids, leftovers, running_lab, write_spec

from deployer import lab
from deployer.lab import state

pytestmark = pytest.mark.lab

RELEASES = {"app1": "debian-13", "db1": "debian-11"}
CODENAMES = {"app1": ("13", "trixie"), "db1": ("11", "bullseye")}


@pytest.fixture(scope="module")
def mixed_lab() -> Iterator[Lab]:
    spec = write_spec("releases", [("app1", ["web", "app"]), ("db1", ["app"])])
    with running_lab(spec, RELEASES) as started:
        yield started


def _os_release(lab_: Lab, host: str) -> dict[str, str]:
    done = lab_.ssh(host, "cat /etc/os-release")
    assert done.returncode == 0, done.stderr
    pairs = (line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return {key: value.strip('"') for key, value in pairs}


@pytest.mark.parametrize("host", list(RELEASES))
def test_each_host_runs_its_release(mixed_lab: Lab, host: str) -> None:
    found = _os_release(mixed_lab, host)
    assert (found["VERSION_ID"], found["VERSION_CODENAME"]) == CODENAMES[host]
    booted = mixed_lab.ssh(host, "systemctl is-system-running --wait; python3 -c 'print(6 * 7)'")
    failed = mixed_lab.ssh(host, "systemctl --failed --no-legend; journalctl -b -p warning -q")
    assert booted.stdout.split() == ["running", "42"], booted.stderr + failed.stdout


@pytest.mark.parametrize("host", list(RELEASES))
def test_apt_installs_from_the_hosts_own_suites_through_the_proxy(
    mixed_lab: Lab, host: str
) -> None:
    suite = CODENAMES[host][1]
    apt = "sudo DEBIAN_FRONTEND=noninteractive apt-get"
    done = mixed_lab.ssh(
        host, f"{apt} update && {apt} install -y -q hello && hello && apt-cache policy hello"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Hello, world!" in done.stdout.splitlines()
    for source in (f"{suite} InRelease", f"{suite}-updates InRelease", f"{suite}-security"):
        assert source in done.stdout, done.stdout[-2000:]
    assert f" {suite}/main " in done.stdout, done.stdout[-2000:]


def test_status_shows_each_hosts_release(mixed_lab: Lab) -> None:
    done = deployer_cli("lab", "status", str(mixed_lab.spec), "--json")
    assert done.returncode == 0, done.stderr
    hosts = json.loads(done.stdout)["hosts"]
    assert {h["name"]: h["release"] for h in hosts} == RELEASES


def test_rebuild_keeps_each_hosts_release(mixed_lab: Lab) -> None:
    before = state.load(lab.state_dir_for(mixed_lab.spec))
    done = deployer_cli("lab", "rebuild", str(mixed_lab.spec))
    assert done.returncode == 0, done.stderr
    after = state.load(lab.state_dir_for(mixed_lab.spec))
    assert before is not None and after is not None
    assert {h.name: h.release for h in after.hosts} == RELEASES
    assert [h.host_key for h in after.hosts] != [h.host_key for h in before.hosts]
    for host, expected in CODENAMES.items():
        found = _os_release(mixed_lab, host)
        assert (found["VERSION_ID"], found["VERSION_CODENAME"]) == expected


def test_down_leaves_nothing_behind(mixed_lab: Lab) -> None:
    pids = lab_pids(mixed_lab.spec)
    lab.down(mixed_lab.spec)
    assert leftovers(mixed_lab.spec, pids) == []
