"""The order of a cluster apply, its --atomic undo and its rollback, with a fake cluster whose
Deployments roll out at once, or never for a named image (the real requests are proven
against the API emulator in tests/integration)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from deployer.errors import ExitCode
from deployer.executors.kubernetes.cluster import ObjectRef
from deployer.journal import Journal, Redactor
from deployer.lab.overlay import absolutise
from deployer.run.cluster import (
    MANIFESTS,
    ClusterOptions,
    NothingToRollBackTo,
    apply_to_cluster,
    last_went_live,
    rollback_cluster,
)
from deployer.spec import LoadedEnvironment, load_environment

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "huadong-kubernetes.yml"


class FakeCluster:
    """Objects by reference; a Deployment is rolled out as soon as it is applied, unless its
    image is ``stuck``."""

    def __init__(self) -> None:
        self.objects: dict[ObjectRef, dict[str, Any]] = {}
        self.applied: list[str] = []
        self.stuck: set[str] = set()

    def apply(self, manifest: dict[str, Any]) -> dict[str, Any]:
        ref = ObjectRef.of(manifest)
        found = copy.deepcopy(manifest)
        if manifest["kind"] == "Deployment":
            old = self.objects.get(ref, {})
            generation = old.get("metadata", {}).get("generation", 0)
            if old.get("spec") != manifest["spec"]:
                generation += 1
            found["metadata"]["generation"] = generation
            image = manifest["spec"]["template"]["spec"]["containers"][0]["image"]
            wanted = manifest["spec"]["replicas"]
            ready = 0 if image in self.stuck else wanted
            found["status"] = {
                "observedGeneration": generation,
                "replicas": wanted,
                "updatedReplicas": ready,
                "availableReplicas": ready,
            }
        self.objects[ref] = found
        self.applied.append(f"{manifest['kind']} {manifest['metadata']['name']}")
        return found

    def get(self, ref: ObjectRef) -> dict[str, Any] | None:
        return self.objects.get(ref)

    def create(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Only the deploy lock's Lease is created rather than applied."""
        self.objects[ObjectRef.of(manifest)] = copy.deepcopy(manifest)
        return manifest

    def delete(self, ref: ObjectRef) -> None:
        self.objects.pop(ref, None)

    def events(self, namespace: str, names: set[str]) -> list[str]:
        return ["sample-erp-1: Failed: Failed to pull image"]

    def image(self) -> str:
        (deployment,) = [o for r, o in self.objects.items() if r.kind == "Deployment"]
        return str(deployment["spec"]["template"]["spec"]["containers"][0]["image"])


def spec(tmp_path: Path, version: str, monkeypatch: pytest.MonkeyPatch) -> LoadedEnvironment:
    monkeypatch.setenv("HUADONG_DB_APP_PASSWORD", "app-pw-1")
    data = absolutise(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), EXAMPLE.parent)
    data["product"]["version"] = version
    data["product"]["image"] = f"registry.example.cn/erp/sample-erp:{version}"
    data["product"]["health_timeout"] = 5
    path = tmp_path / f"env-{version}.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_environment(path)


def test_the_config_map_and_secret_go_first_and_the_run_records_its_manifests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster, journal = FakeCluster(), Journal(tmp_path / "runs", Redactor())
    outcome = apply_to_cluster(
        spec(tmp_path, "1.0", monkeypatch), journal, journal.redact, cluster, ClusterOptions()
    )
    assert outcome.exit_code == ExitCode.OK
    kinds = [item.split()[0] for item in cluster.applied]
    assert kinds == [
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "Ingress",
        "PodDisruptionBudget",
    ]
    run = journal.get(outcome.run_id)
    assert (run.path / MANIFESTS).is_file()
    assert "app-pw-1" not in "".join(p.read_text() for p in run.path.iterdir())
    assert last_went_live(journal) is not None


def test_atomic_puts_the_live_revision_back_and_rollback_the_one_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster, journal = FakeCluster(), Journal(tmp_path / "runs", Redactor())

    def apply(version: str, atomic: bool = False) -> ExitCode:
        loaded = spec(tmp_path, version, monkeypatch)
        options = ClusterOptions(atomic=atomic, timeout=0)
        return apply_to_cluster(loaded, journal, journal.redact, cluster, options).exit_code

    assert apply("1.0") == ExitCode.OK
    assert apply("1.1") == ExitCode.OK
    cluster.stuck.add("registry.example.cn/erp/sample-erp:1.2")
    assert apply("1.2") == ExitCode.APPLY_FAILED
    assert cluster.image().endswith(":1.2")  # without --atomic the failed revision stays
    assert apply("1.2", atomic=True) == ExitCode.APPLY_FAILED_ROLLED_BACK
    assert cluster.image().endswith(":1.1")
    undone = last_went_live(journal)
    assert undone is not None and undone.meta()["product_version"] == "1.1"
    loaded = spec(tmp_path, "1.1", monkeypatch)
    outcome = rollback_cluster(
        loaded,
        journal,
        journal.redact,
        cluster,
        undo=undone,
        options=ClusterOptions(),
    )
    assert outcome.exit_code == ExitCode.OK
    assert cluster.image().endswith(":1.0")
    first = journal.runs()[0]
    with pytest.raises(NothingToRollBackTo):
        rollback_cluster(
            loaded,
            journal,
            journal.redact,
            cluster,
            undo=first,
            options=ClusterOptions(),
        )
