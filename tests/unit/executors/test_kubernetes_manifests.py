"""The product's Kubernetes objects from the spec: valid for the clusters sites run, named by
their config's content, and free of secret values."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from deployer.executors.kubernetes import (
    ManifestInvalid,
    known_versions,
    newest_version,
    render_manifests,
    validate,
)
from deployer.spec import LoadedEnvironment, load_environment
from tests.unit.conftest import CliResult
from tests.unit.executors.kubeexample import EXAMPLE, spec_with


@pytest.fixture
def loaded() -> LoadedEnvironment:
    return load_environment(EXAMPLE)


@pytest.mark.parametrize("version", ["1.24", "1.27", newest_version()])
def test_the_example_is_valid_for_old_and_new_clusters(
    loaded: LoadedEnvironment, version: str
) -> None:
    manifests = render_manifests(loaded)
    validate(manifests.objects, version)
    kinds = [m["kind"] for m in manifests.objects.values()]
    assert kinds == ["ConfigMap", "Deployment", "Service", "Ingress", "PodDisruptionBudget"]


def test_the_versions_sites_run_are_known() -> None:
    assert {"1.24", "1.27"} <= set(known_versions())
    assert newest_version() == known_versions()[-1]


def test_the_rollout_never_takes_a_pod_before_its_replacement_is_ready(
    loaded: LoadedEnvironment,
) -> None:
    deployment = render_manifests(loaded).objects["deployment"]
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 0, "maxSurge": 1}
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/erp/health.jsp", "port": "http"}
    # health_timeout (120 s) is how long a start may take.
    assert container["startupProbe"]["failureThreshold"] * 5 == 120
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    env = {item["name"]: item for item in container["env"]}
    assert env["CATALINA_OPTS"]["value"].startswith("-Xms512m -Xmx1024m")
    assert env["DEPLOYER_PRODUCT_DB_PASSWORD"]["valueFrom"] == {
        "secretKeyRef": {"name": "sample-erp-secrets", "key": "DEPLOYER_PRODUCT_DB_PASSWORD"}
    }
    assert pod["imagePullSecrets"] == [{"name": "plant-registry"}]
    assert pod["tolerations"] == [
        {"key": "dedicated", "operator": "Equal", "value": "erp", "effect": "NoSchedule"}
    ]


def test_the_config_map_is_named_by_its_content(tmp_path: Path, loaded: LoadedEnvironment) -> None:
    first = render_manifests(loaded).objects
    again = render_manifests(load_environment(EXAMPLE)).objects
    assert first == again
    changed = spec_with(tmp_path, lambda d: d["product"]["config"].update(jdbc_pool_size=40))
    other = render_manifests(load_environment(changed)).objects
    old_name = first["configmap"]["metadata"]["name"]
    new_name = other["configmap"]["metadata"]["name"]
    assert old_name != new_name and new_name.startswith("sample-erp-config-")
    # The pods mount the new one, so a config change rolls them.
    volume = other["deployment"]["spec"]["template"]["spec"]["volumes"][0]
    assert volume["configMap"]["name"] == new_name
    assert first["configmap"]["immutable"] is True


def test_secrets_are_named_in_the_files_never_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[[list[str]], CliResult]
) -> None:
    values = {name: secrets.token_urlsafe(18) for name in ("ADMIN", "APP", "TOKEN", "PARAM")}
    for name, value in values.items():
        monkeypatch.setenv(f"K8S_TEST_{name}", value)

    def change(data: dict[str, Any]) -> None:
        data["database"]["admin"]["password"] = "${env:K8S_TEST_ADMIN}"
        data["database"]["schemas"][0]["owner"]["password"] = "${env:K8S_TEST_APP}"
        data["product"]["config"]["api_token"] = "${env:K8S_TEST_TOKEN}"
        data["product"]["context_parameters"]["sample.erp.key"] = "${env:K8S_TEST_PARAM}"

    spec = spec_with(tmp_path, change)
    out = tmp_path / "out"
    result = cli(["manifests", str(spec), "-o", str(out)])
    assert result.code == 0, result.err
    written = "".join(path.read_text(encoding="utf-8") for path in out.iterdir())
    for value in values.values():
        assert value not in written
    config = yaml.safe_load((out / "configmap.yaml").read_text(encoding="utf-8"))["data"]
    assert "erp.db.password=${env:DEPLOYER_PRODUCT_DB_PASSWORD}\n" in config["erp.properties"]
    assert 'value="${env:DEPLOYER_SECRET_' in config["deployer-context.xml"]
    kustomization = (out / "kustomization.yaml").read_text(encoding="utf-8")
    assert "create secret generic sample-erp-secrets" in kustomization
    assert {p.name for p in out.iterdir()} == {
        "configmap.yaml",
        "deployment.yaml",
        "service.yaml",
        "ingress.yaml",
        "pdb.yaml",
        "kustomization.yaml",
    }


def test_a_field_the_schema_does_not_know_is_named_with_its_file(
    loaded: LoadedEnvironment,
) -> None:
    objects = render_manifests(loaded).objects
    objects["service"]["spec"]["clusterIp"] = "None"
    with pytest.raises(ManifestInvalid, match=r"^service\.yaml: spec: .*clusterIp"):
        validate(objects, "1.24")


def test_an_unknown_cluster_version_is_refused(
    tmp_path: Path, cli: Callable[[list[str]], CliResult]
) -> None:
    result = cli(["manifests", str(EXAMPLE), "-o", str(tmp_path), "--kube-version", "1.9"])
    assert result.code == 3
    assert "no schemas for Kubernetes 1.9" in result.err


def test_a_spec_for_hosts_has_no_manifests(
    tmp_path: Path, cli: Callable[[list[str]], CliResult]
) -> None:
    spec = EXAMPLE.with_name("huadong-production.yml")
    result = cli(["manifests", str(spec), "-o", str(tmp_path)])
    assert result.code == 2
    assert "target is ansible; manifests need target kubernetes" in result.err
