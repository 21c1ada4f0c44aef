"""The deploy lock on a real host, over SSH with sudo: a lock folder its taker left without a
record is broken once stale, and a breaker never removes a lock taken since it judged.

Its own one-host lab, so the shared example lab stays untouched.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
from labsupport import Lab, running_lab, write_spec

from deployer.lab import lab_spec_for
from deployer.locks import hosts as locks
from deployer.locks.local import DeployLocked, LockHolder
from deployer.run.targets import ssh_targets
from deployer.spec import load_environment
from deployer.transport import SshOptions
from deployer.transport.hosts import SshHosts

pytestmark = pytest.mark.lab

FOLDER = locks.host_lock_dir("sample-erp")


@pytest.fixture(scope="module")
def lock_lab() -> Iterator[Lab]:
    with running_lab(write_spec("host-lock", [("web1", ["web", "app"])])) as started:
        yield started


@pytest.fixture
def target(lock_lab: Lab, tmp_path: Path) -> Iterator[SshHosts]:
    loaded = load_environment(lab_spec_for(lock_lab.spec))
    yield SshHosts(ssh_targets(loaded, tmp_path), SshOptions())
    lock_lab.ssh("web1", f"sudo rm -rf {FOLDER} {FOLDER}.broken.*")


def me(command: str = "apply") -> LockHolder:
    return LockHolder(command, "tester", socket.gethostname(), os.getpid(), "2026-12-01T12:00:00Z")


def take(target: SshHosts, holder: LockHolder, *, break_stale: bool) -> None:
    locks.take_host_lock(target, "web1", FOLDER, holder, break_stale=break_stale)


def holder_on(lock_lab: Lab) -> LockHolder:
    done = lock_lab.ssh("web1", f"sudo cat {FOLDER}/holder.json")
    assert done.returncode == 0, done.stderr
    return LockHolder(**json.loads(done.stdout))


def test_a_recordless_lock_folder_is_broken_once_stale(lock_lab: Lab, target: SshHosts) -> None:
    made = lock_lab.ssh("web1", f"sudo mkdir -p -m 700 {FOLDER} && sudo touch -d '-2 min' {FOLDER}")
    assert made.returncode == 0, made.stderr
    with pytest.raises(DeployLocked, match=r"no holder record and is 1\d\d s old.*--break-lock"):
        take(target, me(), break_stale=False)
    take(target, me(), break_stale=True)
    assert holder_on(lock_lab) == me()
    locks.release_host_lock(target, "web1", FOLDER, me())
    assert lock_lab.ssh("web1", f"test ! -e {FOLDER}").returncode == 0


def test_a_breaker_leaves_a_lock_taken_since_it_judged(
    lock_lab: Lab, target: SshHosts, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = LockHolder("apply", "tester", socket.gethostname(), 2**22 + 1, "2026-12-01T11:00:00Z")
    record = json.dumps(asdict(dead))
    written = lock_lab.ssh(
        "web1", f"sudo mkdir -p {FOLDER} && echo -n '{record}' | sudo tee {FOLDER}/holder.json"
    )
    assert written.returncode == 0, written.stderr
    first = me("rollback")
    real_alive = LockHolder.alive.fget  # type: ignore[attr-defined]
    interleaved: list[bool] = []

    def alive(judged: LockHolder) -> bool:
        if judged == dead and not interleaved:
            interleaved.append(True)
            take(target, first, break_stale=True)  # the other breaker, between judge and break
        return bool(real_alive(judged))

    monkeypatch.setattr(LockHolder, "alive", property(alive))
    with pytest.raises(DeployLocked, match="changed hands"):
        take(target, me("apply --atomic"), break_stale=True)
    assert holder_on(lock_lab) == first
    leftovers = lock_lab.ssh("web1", f"ls -d {FOLDER}.broken.* 2>/dev/null | wc -l")
    assert leftovers.stdout.strip() == "0"
