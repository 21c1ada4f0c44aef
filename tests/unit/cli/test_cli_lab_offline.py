"""`deployer lab up|rebuild --offline`: what reaches the lab, and what status says."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer import lab
from deployer.errors import ExitCode

SPEC = "examples/huadong-production.yml"


def _status(offline: bool) -> lab.LabStatus:
    host = lab.HostStatus("app1", "10.213.7.10", 22, "deploy", "k", "kh", "running", "debian-12")
    proxy = "" if offline else "running"
    return lab.LabStatus(
        SPEC, "up", "systemd", "10.213.7.0/24", proxy=proxy, offline=offline, hosts=(host,)
    )


@pytest.fixture
def given(monkeypatch: pytest.MonkeyPatch) -> list[lab.UpOptions]:
    """The options each lab up or rebuild was given; no lab is built."""
    seen: list[lab.UpOptions] = []

    def build(spec: Path, options: lab.UpOptions, progress: lab.Progress) -> None:
        seen.append(options)

    monkeypatch.setattr(lab, "up", build)
    monkeypatch.setattr(lab, "rebuild", build)
    monkeypatch.setattr(lab, "status", lambda spec: _status(bool(seen[-1].offline)))
    return seen


@pytest.mark.parametrize(
    ("argv", "offline"),
    [
        (["up", SPEC], None),
        (["up", SPEC, "--offline"], True),
        (["rebuild", SPEC], None),  # None: as the old lab was
        (["rebuild", SPEC, "--offline"], True),
        (["rebuild", SPEC, "--no-offline"], False),
    ],
)
def test_offline_reaches_the_lab_as_given(
    cli, given: list[lab.UpOptions], argv: list[str], offline: bool | None
) -> None:
    done = cli(["lab", *argv])
    assert done.code == ExitCode.OK, done.err
    assert [options.offline for options in given] == [offline]


def test_status_says_the_lab_is_offline(cli, given: list[lab.UpOptions]) -> None:
    done = cli(["lab", "up", SPEC, "--offline"])
    assert "lab up (systemd, 10.213.7.0/24, offline)" in done.out
    assert "proxy" not in done.out
    online = cli(["lab", "up", SPEC])
    assert "lab up (systemd, 10.213.7.0/24, proxy running)" in online.out
