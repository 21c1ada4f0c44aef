"""Which stages a no-op apply skips: by the hosts' records, their drift and the inputs digest;
and the records a successful run leaves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deployer.executors.ansible.inputs import content_digest, local_files, play_digest
from deployer.executors.base import Play, TaskEvent
from deployer.run.managed import HostState, ManagedRun, decide
from deployer.state.drift import Drift, DriftKind
from deployer.state.model import HostRecord, ManagedItems, RoleState, ServiceState

DIGEST = "d" * 64
RECORDED = HostRecord(host="app1", stages={"middleware": DIGEST}, roles={"nginx": RoleState()})


def why(state: HostState | None, digest: str = DIGEST, *, full: bool = False) -> str:
    states = {"app1": state} if state is not None else {}
    decision = decide(Play.MIDDLEWARE, "middleware", ["app1"], {"app1": digest}, states, full=full)
    return decision.run_on.get("app1", "")


def test_unchanged_inputs_without_drift_skip_the_stage() -> None:
    assert why(HostState(RECORDED)) == ""


def test_each_reason_to_run() -> None:
    assert why(HostState(RECORDED), full=True) == "--full"
    assert why(HostState(RECORDED), digest="e" * 64) == "its inputs changed"
    assert why(HostState()) == "no record of an earlier apply"
    assert why(HostState(problem="damaged")).startswith("its record could not be read")
    assert why(None).startswith("its record could not be read")
    assert why(HostState(RECORDED), digest="") == "its inputs cannot be compared"
    other = RECORDED.model_copy(update={"stages": {"release": DIGEST}})
    assert why(HostState(other)) == "no earlier apply of this stage recorded"


def test_only_drift_of_the_stage_s_roles_makes_it_run() -> None:
    stopped = Drift("app1", "nginx", DriftKind.SERVICE_STOPPED, "nginx", "active", "inactive")
    moved = Drift("app1", "product", DriftKind.LINK_MOVED, "/opt/erp/current", "a", "b")
    assert why(HostState(RECORDED, (stopped, moved))) == "drift: nginx service stopped"
    assert why(HostState(RECORDED, (moved,))) == ""


def test_the_records_keep_what_ran_and_what_was_recorded_before() -> None:
    before = HostRecord(
        stages={"middleware": DIGEST, "release": DIGEST},
        roles={
            "nginx": RoleState(services={"nginx": ServiceState(enabled="enabled")}),
            "product": RoleState(links={"/opt/erp/current": "/opt/erp/releases/1"}),
            "retired": RoleState(),
        },
    )
    managed = ManagedRun({"app1": HostState(before)})
    managed.decide(Play.MIDDLEWARE, "middleware", ["app1"], {"app1": "new"})
    managed.decide(Play.RELEASE, "release", ["app1"], {"app1": DIGEST})
    facts: dict[str, Any] = {
        "nginx_managed": {"files": ["/etc/nginx/site.conf"], "services": ["nginx"]},
        "jdk_managed": {"packages": ["openjdk-17-jre-headless"]},
    }
    managed.collector(TaskEvent("app1", "Record", "ok", facts=facts))

    items, stages = managed.to_write()

    assert stages == {"app1": {"middleware": "new", "release": DIGEST}}
    assert items["app1"] == {
        "jdk": ManagedItems(packages=("openjdk-17-jre-headless",)),
        "nginx": ManagedItems(files=("/etc/nginx/site.conf",), services=("nginx",)),
        "product": ManagedItems(links=("/opt/erp/current",)),
    }
    assert ManagedRun({}).to_write() == ({}, {})


def _digest(play: Play, **changes: Any) -> str:
    base: dict[str, Any] = {
        "content": "c",
        "variables": {"nginx_site_name": "erp", "product_version": "1.0", "deployer_run_id": "1"},
        "host_values": {"nginx_listen_port": 80, "ansible_ssh_common_args": "-o A=/tmp/x"},
        "secrets": "s",
        "files": {"product_artifact": "f"},
    }
    for name, value in changes.items():
        if isinstance(base[name], dict):
            base[name] = {**base[name], **value}
        else:
            base[name] = value
    return play_digest(play, **base)


def test_a_play_s_digest_follows_its_own_inputs_only() -> None:
    same = _digest(Play.MIDDLEWARE)
    assert same == _digest(Play.MIDDLEWARE, variables={"deployer_run_id": "2"})
    assert same == _digest(Play.MIDDLEWARE, host_values={"ansible_ssh_common_args": "-o B"})
    assert same == _digest(Play.MIDDLEWARE, variables={"product_version": "1.1"})
    assert same == _digest(Play.MIDDLEWARE, files={"product_artifact": "g"})
    assert same != _digest(Play.MIDDLEWARE, variables={"nginx_site_name": "crm"})
    assert same != _digest(Play.MIDDLEWARE, host_values={"nginx_listen_port": 8080})
    assert same != _digest(Play.MIDDLEWARE, secrets="t")
    assert same != _digest(Play.MIDDLEWARE, content="d")
    release = _digest(Play.RELEASE)
    assert release != _digest(Play.RELEASE, variables={"product_version": "1.1"})
    assert release != _digest(Play.RELEASE, files={"product_artifact": "g"})


def test_content_and_local_files_digest_what_they_name(tmp_path: Path) -> None:
    for folder in ("playbooks", "roles/common", "roles/nginx", "roles/jdk", "roles/tomcat"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "playbooks" / "middleware.yml").write_text("- hosts: web\n")
    (tmp_path / "roles" / "nginx" / "main.yml").write_text("a\n")
    first = content_digest(tmp_path, Play.MIDDLEWARE, "middleware.yml")
    (tmp_path / "roles" / "nginx" / "main.yml").write_text("b\n")
    assert content_digest(tmp_path, Play.MIDDLEWARE, "middleware.yml") != first
    artifact = tmp_path / "app.war"
    artifact.write_bytes(b"war")
    found = local_files({"product_artifact": str(artifact), "product_templates_dir": ""})
    assert set(found) == {"product_artifact"}
