"""``lab rebuild`` keeps what the old lab was unless told otherwise; nothing is built here."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.lab import manager, state, teardown
from deployer.lab.paths import state_dir_for
from deployer.lab.state import LabState


def _rebuilt(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, offline: bool, asked: bool | None
) -> manager.UpOptions:
    spec = tmp_path / "small.yml"
    state_dir = state_dir_for(spec)
    state_dir.mkdir(parents=True)
    state.save(LabState(str(spec), "1a2b3", "systemd", str(state_dir), offline=offline))
    given: list[manager.UpOptions] = []
    monkeypatch.setattr(manager, "require_root", lambda: None)
    monkeypatch.setattr(teardown, "down", lambda spec: True)
    monkeypatch.setattr(manager, "up", lambda spec, options, progress: given.append(options))
    manager.rebuild(spec, manager.UpOptions(cache_dir=tmp_path, offline=asked))
    return given[0]


@pytest.mark.parametrize(
    ("offline", "asked", "rebuilt"),
    [(True, None, True), (False, None, False), (True, False, False), (False, True, True)],
)
def test_rebuild_keeps_offline_unless_asked(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    offline: bool,
    asked: bool | None,
    rebuilt: bool,
) -> None:
    assert _rebuilt(monkeypatch, tmp_path, offline, asked).offline is rebuilt
