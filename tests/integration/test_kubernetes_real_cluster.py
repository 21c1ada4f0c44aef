"""A smoke test against a real cluster, when ``KUBECONFIG`` names one: ``check`` and ``plan`` on
the cluster example, through the kubeconfig's current context, in the namespace
``DEPLOYER_SMOKE_NAMESPACE`` (default ``default``). Both only read: nothing is written to the
cluster. No API server runs on the machines the project's CI uses, so there it is skipped,
saying why; it is the only test allowed to skip."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from deployer.errors import ExitCode
from tests.integration.kubespec import deployer, write_spec

KUBECONFIG = os.environ.get("KUBECONFIG", "")

pytestmark = pytest.mark.skipif(
    not KUBECONFIG,
    reason="KUBECONFIG is not set: no real cluster to smoke-test against (the emulator tests "
    "stand in for one)",
)


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("K8S_TEST_TOKEN", "smoke")
    config = yaml.safe_load(Path(KUBECONFIG.split(os.pathsep)[0]).read_text(encoding="utf-8"))
    written = write_spec(tmp_path, "unused", lambda d: None)

    def real(data: dict[str, Any]) -> None:
        target = data["target"]
        target["kubeconfig"] = str(Path(KUBECONFIG.split(os.pathsep)[0]).resolve())
        target["context"] = config["current-context"]
        target["namespace"] = os.environ.get("DEPLOYER_SMOKE_NAMESPACE", "default")
        target.pop("version", None)

    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    real(data)
    written.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return written


def test_check_and_plan_read_a_real_cluster(spec: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    journal = str(tmp_path / "runs")
    code, said = deployer("check", str(spec), "--json", str(report), "--journal", journal)
    assert code in (ExitCode.OK, ExitCode.CHECKS_FAILED), said
    hosts = {h["host"]: h for h in json.loads(report.read_text(encoding="utf-8"))["hosts"]}
    version = {r["check_id"]: r for r in hosts["cluster"]["results"]}["kubernetes.version"]
    assert version["observed"].startswith("1."), version
    code, said = deployer("plan", str(spec), "--journal", journal)
    assert code == ExitCode.OK, said
