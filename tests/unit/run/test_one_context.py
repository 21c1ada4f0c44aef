"""One context per command: an apply builds its SSH targets and writes its pinned host keys
once, whatever its lock, its rollback plan, its stages and an --atomic rollback ask of the
hosts; a plan or a scan that fails ends ``failed`` in the journal; a target no executor
supports is refused before anything is locked or run."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deployer.errors import ExitCode
from deployer.executors.base import Play
from deployer.run import targets as targets_module
from deployer.transport import knownhosts
from deployer.transport.result import Failure
from tests.support.example_specs import example_spec
from tests.support.fakes import FakeExecutor, FakeHosts

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "huadong-production.yml"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPw8YdGmJ3Yk6hRcdLYiXnKjOv3D3pZf3cA0lN7V0Qm1"

Cli = Callable[[list[str]], Any]


def pinned_spec(folder: Path) -> Path:
    """The example, in ``folder``, with both hosts' keys pinned."""
    edits = [
        f"    roles: [web, app]\n=>    roles: [web, app]\n    host_key: {KEY}\n",
        f"    roles: [db]\n=>    roles: [db]\n    host_key: {KEY}\n",
    ]
    return example_spec(folder, "huadong-production.yml", *edits)


def kubernetes_spec(folder: Path) -> Path:
    """The cluster example, in ``folder``, with its database host's key pinned."""
    pinned = f"    roles: [db]\n=>    roles: [db]\n    host_key: {KEY}\n"
    return example_spec(folder, "huadong-kubernetes.yml", pinned)


def count_calls(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Wrap ``module.name`` wherever deployer imported it; the list grows by one per call."""
    calls: list[int] = []
    original = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    for loaded in list(sys.modules.values()):
        if getattr(loaded, "__name__", "").startswith("deployer") and (
            getattr(loaded, name, None) is original
        ):
            monkeypatch.setattr(loaded, name, counted)
    return calls


def test_one_apply_builds_its_targets_and_writes_known_hosts_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cli: Cli, fake_world: FakeExecutor
) -> None:
    builds = count_calls(monkeypatch, targets_module, "ssh_targets")
    writes = count_calls(monkeypatch, knownhosts, "write_known_hosts")
    spec = pinned_spec(tmp_path)
    done = cli(["apply", str(spec), "-y", "--atomic", "--journal", str(tmp_path / "runs")])
    assert done.code == ExitCode.APPLY_FAILED_ROLLED_BACK, done.err
    plays = [play for play, _ in fake_world.plays]
    assert set(plays[:2]) == {Play.DATABASE_SERVER, Play.MIDDLEWARE}  # side by side
    assert plays[2:] == [Play.RELEASE, Play.ROLLBACK]
    assert (len(builds), len(writes)) == (1, 1)


def runs_of(cli: Cli, spec: Path, journal: Path) -> list[dict[str, Any]]:
    done = cli(["runs", str(spec), "--journal", str(journal), "--json"])
    assert done.code == 0, done.err
    return list(json.loads(done.out))


@pytest.mark.parametrize("command", ["plan", "check"])
def test_a_plan_or_scan_that_cannot_reach_a_host_ends_failed(
    tmp_path: Path, cli: Cli, fake_world: FakeExecutor, scripted_hosts: FakeHosts, command: str
) -> None:
    scripted_hosts.answer("sh -s", Failure.UNREACHABLE)
    spec = pinned_spec(tmp_path)
    done = cli([command, str(spec), "--journal", str(tmp_path / "runs")])
    assert done.code == ExitCode.HOST_UNREACHABLE, done.err
    (run,) = runs_of(cli, spec, tmp_path / "runs")
    assert (run["kind"], run["status"], run["exit_code"]) == (command, "failed", 5)


def unreachable_kubernetes_spec(folder: Path) -> Path:
    """The cluster example whose kubeconfig is a file that does not exist."""
    spec = kubernetes_spec(folder)
    kubeconfig = folder / "missing-kubeconfig"
    text = spec.read_text(encoding="utf-8")
    old = "  context: huadong-prod\n"
    spec.write_text(text.replace(old, f"{old}  kubeconfig: {kubeconfig}\n"), encoding="utf-8")
    return spec


@pytest.mark.parametrize("command", ["plan", "apply", "rollback"])
def test_a_kubernetes_target_whose_cluster_is_unreachable_runs_nothing(
    tmp_path: Path, cli: Cli, fake_world: FakeExecutor, command: str
) -> None:
    """The database's stages run on its host only once the cluster answers: the cluster is
    reached before any lock is taken or any play runs."""
    spec = unreachable_kubernetes_spec(tmp_path)
    extra = ["-y"] if command == "apply" else ["--last"] if command == "rollback" else []
    journal = tmp_path / "runs"
    if command == "rollback":  # an apply to undo
        (journal / "20261201-000000-abcd").mkdir(parents=True)
        meta = {
            "id": "20261201-000000-abcd",
            "kind": "apply",
            "status": "failed",
            "started": "2026-12-01T00:00:00+00:00",
        }
        (journal / "20261201-000000-abcd" / "meta.json").write_text(json.dumps(meta))
    done = cli([command, str(spec), *extra, "--journal", str(journal)])
    assert done.code == ExitCode.HOST_UNREACHABLE, done.err
    assert "missing-kubeconfig" in done.err
    assert fake_world.plays == []
    assert not (journal / "deploy.lock").exists()


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every stdout line is one JSON object (newline-delimited JSON, nothing else)."""
    return [json.loads(line) for line in text.splitlines()]


def test_apply_json_is_one_event_per_line_ending_with_the_status(
    tmp_path: Path, cli: Cli, fake_world: FakeExecutor
) -> None:
    spec = pinned_spec(tmp_path)
    done = cli(["apply", str(spec), "-y", "--json", "--journal", str(tmp_path / "runs")])
    assert done.code == ExitCode.APPLY_FAILED, done.err
    events = json_lines(done.out)
    assert {e["command"] for e in events} == {"apply"}
    stages = [e["stage"] for e in events if e["type"] == "stage"]
    assert sorted(stages[:3]) == ["database server", "middleware", "schemas and migrations"]
    assert stages[3:] == ["release"]
    assert [e["host"] for e in events if e["type"] == "recap"] == ["app1"]
    last = events[-1]
    assert (last["type"], last["status"], last["exit_code"]) == ("status", "failed", 6)
    assert last["error"] == "app1: release failed"
    assert last["run_id"] in [p.name for p in (tmp_path / "runs").iterdir()]


def test_plan_json_carries_the_plan_and_a_refusal_still_ends_with_a_status(
    tmp_path: Path, cli: Cli, fake_world: FakeExecutor
) -> None:
    spec = pinned_spec(tmp_path)
    done = cli(["plan", str(spec), "--json", "--journal", str(tmp_path / "runs")])
    assert done.code == 0, done.err
    events = json_lines(done.out)
    (plan,) = [e["plan"] for e in events if e["type"] == "plan"]
    assert [s["stage"] for s in plan["steps"]][:2] == ["database server", "schemas and migrations"]
    assert events[-1]["type"] == "status" and events[-1]["exit_code"] == 0
    (tmp_path / "k8s").mkdir()
    kube = unreachable_kubernetes_spec(tmp_path / "k8s")
    done = cli(["plan", str(kube), "--json", "--journal", str(tmp_path / "runs2")])
    (status,) = json_lines(done.out)
    assert (status["type"], status["exit_code"]) == ("status", int(ExitCode.HOST_UNREACHABLE))
    assert "missing-kubeconfig" in status["error"]


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_missing_secret_is_refused_before_a_run_starts(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    cli: Cli,
    fake_world: FakeExecutor,
    command: str,
) -> None:
    monkeypatch.delenv("HUADONG_DB_APP_PASSWORD")
    spec = pinned_spec(tmp_path)
    extra = ["-y"] if command == "apply" else []
    done = cli([command, str(spec), *extra, "--journal", str(tmp_path / "runs")])
    assert done.code == ExitCode.INVALID_SPEC, done.err
    assert "HUADONG_DB_APP_PASSWORD is not set" in done.err
    assert runs_of(cli, spec, tmp_path / "runs") == []  # no run left "starting"
