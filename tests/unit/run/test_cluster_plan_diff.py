"""plan's comparison of an object deployer would apply with the cluster's: only the fields
deployer sets count, as its server-side apply owns them."""

from __future__ import annotations

from deployer.run.cluster_plan import _differences

WANTED = {
    "metadata": {"name": "erp", "labels": {"app": "erp"}},
    "spec": {"replicas": 2, "containers": [{"name": "erp", "image": "erp:1.0"}]},
}


def test_what_the_server_adds_is_not_a_change() -> None:
    live = {
        "metadata": {"name": "erp", "labels": {"app": "erp"}, "uid": "u", "resourceVersion": "9"},
        "spec": {
            "replicas": 2,
            "containers": [{"name": "erp", "image": "erp:1.0", "imagePullPolicy": "Always"}],
        },
        "status": {"replicas": 2},
    }
    assert list(_differences(WANTED, live, "")) == []


def test_each_field_deployer_sets_differently_is_named_by_its_path() -> None:
    live = {
        "metadata": {"name": "erp", "labels": {}},
        "spec": {"replicas": 3, "containers": [{"name": "erp", "image": "erp:0.9"}]},
    }
    assert list(_differences(WANTED, live, "")) == [
        "metadata.labels.app",
        "spec.replicas",
        "spec.containers[0].image",
    ]


def test_a_list_of_another_length_is_one_change() -> None:
    live = {**WANTED, "spec": {"replicas": 2, "containers": []}}
    assert list(_differences(WANTED, live, "")) == ["spec.containers"]
