"""The fact cache a rollback starts from: read out of one run's cache, seeded into another's."""

from __future__ import annotations

import json
from pathlib import Path

from deployer.executors.ansible.factcache import read_fact_cache, seed_fact_cache

FACTS = {"__payload__": json.dumps({"ansible_os_family": "Debian"})}


def test_a_cache_comes_back_file_for_file(tmp_path: Path) -> None:
    apply_cache, rollback_cache = tmp_path / "apply", tmp_path / "rollback"
    apply_cache.mkdir()
    (apply_cache / "s1_app1").write_text(json.dumps(FACTS))
    (apply_cache / "s1_db1").write_text('{"half-written')  # the run was killed mid-write
    recorded = read_fact_cache(apply_cache)
    assert recorded == {"s1_app1": FACTS}
    seed_fact_cache(rollback_cache, recorded)
    assert read_fact_cache(rollback_cache) == recorded


def test_no_cache_is_no_facts_and_odd_names_are_not_written(tmp_path: Path) -> None:
    assert read_fact_cache(tmp_path / "none") == {}
    seed_fact_cache(tmp_path / "cache", {"../escape": FACTS, ".hidden": FACTS, "app1": "x"})
    assert list((tmp_path / "cache").iterdir()) == []
    assert not (tmp_path / "escape").exists()
