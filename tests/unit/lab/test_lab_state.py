"""state.json round trips, and refuses files it did not write."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from deployer.errors import LabError
from deployer.lab import state
from deployer.lab.processes import ProcessRecord
from deployer.lab.state import HostState, LabState


def _lab(tmp_path: Path) -> LabState:
    return LabState(
        spec="/srv/specs/huadong-production.yml",
        lab_id="1a2b3",
        backend="systemd",
        state_dir=str(tmp_path),
        subnet="10.213.7.0/24",
        gateway="10.213.7.1",
        bridge="dpl-1a2b3-br",
        proxy=ProcessRecord(4242, 123456, "apt-cacher-ng"),
        paths=("/run/deployer-lab/1a2b3.sock",),
        hosts=(
            HostState(
                "app1",
                "10.213.7.10",
                netns="dpl-1a2b3-app1",
                process=ProcessRecord(4343, 123457, "systemd-nspawn"),
            ),
        ),
    )


def test_round_trip(tmp_path: Path) -> None:
    lab = _lab(tmp_path)
    state.save(lab)
    assert (tmp_path / "state.json").stat().st_mode & 0o777 == 0o600
    assert state.load(tmp_path) == lab


def test_missing_state_is_none(tmp_path: Path) -> None:
    assert state.load(tmp_path) is None


def test_with_host_replaces_in_place_and_appends(tmp_path: Path) -> None:
    lab = _lab(tmp_path)
    lab = lab.with_host(HostState("db1", "10.213.7.11"))
    lab = lab.with_host(HostState("app1", "10.213.7.10", host_key="ssh-ed25519 AAAA"))
    assert [h.name for h in lab.hosts] == ["app1", "db1"]
    assert lab.hosts[0].host_key == "ssh-ed25519 AAAA"
    assert lab.host("db1") is not None
    assert lab.host("nope") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not a lab state file"),
        ('{"version": 99}', "unsupported lab state version 99"),
        ('{"version": 1, "backend": "docker"}', "unknown lab backend 'docker'"),
        ('{"version": 1, "backend": "systemd", "colour": 1}', "not a lab state file"),
    ],
)
def test_foreign_files_are_refused(text: str, message: str) -> None:
    with pytest.raises(LabError, match=message):
        state.from_json(text, "x/state.json")


def test_dead_process_is_not_alive() -> None:
    assert not ProcessRecord(2**22 + 1, 0, "gone").alive()


def test_each_hosts_release_round_trips(tmp_path: Path) -> None:
    lab = _lab(tmp_path)
    lab = lab.with_host(HostState("db1", "10.213.7.11", release="debian-11"))
    lab = lab.with_host(replace(lab.hosts[0], release="debian-13"))
    state.save(lab)
    loaded = state.load(tmp_path)
    assert loaded == lab
    assert loaded is not None
    assert [(h.name, h.release) for h in loaded.hosts] == [
        ("app1", "debian-13"),
        ("db1", "debian-11"),
    ]


def test_a_lab_from_before_releases_reads_as_debian_12(tmp_path: Path) -> None:
    """Its state names the one base every host had; down and rebuild must still read it."""
    data = json.loads(state.to_json(_lab(tmp_path)))
    data["base_rootfs"] = "/root/.cache/deployer/lab/rootfs/bookworm-d3952619108a"
    for host in data["hosts"]:
        del host["release"]
    loaded = state.from_json(json.dumps(data), "old/state.json")
    assert [h.release for h in loaded.hosts] == ["debian-12"]


def test_an_offline_lab_round_trips(tmp_path: Path) -> None:
    lab = replace(_lab(tmp_path), offline=True, proxy=None)
    state.save(lab)
    loaded = state.load(tmp_path)
    assert loaded == lab
    assert loaded is not None
    assert loaded.offline


def test_a_lab_from_before_offline_reads_as_online(tmp_path: Path) -> None:
    """Its state has no 'offline' field; down and rebuild must still read it."""
    data = json.loads(state.to_json(_lab(tmp_path)))
    del data["offline"]
    assert not state.from_json(json.dumps(data), "old/state.json").offline
