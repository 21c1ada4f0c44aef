"""Which stages apply may run side by side: the database lane and the middleware, when no
host takes part in both."""

from __future__ import annotations

from pathlib import Path

from deployer.plan.stages import StageId, apply_stages, stage_phases
from deployer.spec import load_environment
from tests.support.example_specs import example_spec


def ids(path: Path) -> list[list[list[StageId]]]:
    phases = stage_phases(apply_stages(load_environment(path).env))
    return [[[stage.id for stage in lane] for lane in phase] for phase in phases]


def test_a_database_host_of_its_own_runs_beside_the_middleware(tmp_path: Path) -> None:
    assert ids(example_spec(tmp_path)) == [
        [[StageId.DATABASE_SERVER, StageId.SCHEMAS], [StageId.MIDDLEWARE]],
        [[StageId.RELEASE]],
    ]


def test_a_stage_names_each_of_its_hosts_once(tmp_path: Path) -> None:
    stages = apply_stages(load_environment(example_spec(tmp_path)).env)
    middleware = next(stage for stage in stages if stage.id is StageId.MIDDLEWARE)
    assert [step.hosts for step in middleware.steps] == [("app1",), ("app1",)]
    assert middleware.hosts == ("app1",)


def test_a_host_in_both_keeps_every_stage_in_order(tmp_path: Path) -> None:
    spec = example_spec(tmp_path, "huadong-production.yml", "roles: [db]=>roles: [db, web]")
    assert ids(spec) == [
        [[StageId.DATABASE_SERVER]],
        [[StageId.SCHEMAS]],
        [[StageId.MIDDLEWARE]],
        [[StageId.RELEASE]],
    ]


def test_under_kubernetes_the_cluster_follows_the_database_in_place_of_the_hosts_stages(
    tmp_path: Path,
) -> None:
    assert ids(example_spec(tmp_path, "huadong-kubernetes.yml")) == [
        [[StageId.DATABASE_SERVER]],
        [[StageId.SCHEMAS]],
        [[StageId.CLUSTER]],
    ]
