"""Ansible's jsonfile fact cache, read out and seeded again: a rollback starts from the facts
the run it undoes gathered, instead of gathering them a second time while the product is down.

The cache is one JSON file per host in one folder, named by Ansible (its inventory host name,
with a prefix that depends on the Ansible version): deployer keeps the names as they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def read_fact_cache(folder: Path) -> dict[str, Any]:
    """Per host, the facts the cache in ``folder`` holds (nothing when there is no cache)."""
    if not folder.is_dir():
        return {}
    found: dict[str, Any] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        try:
            found[path.name] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a file Ansible was writing as the run was stopped: gathered again
    return found


def seed_fact_cache(folder: Path, facts: Mapping[str, Any]) -> None:
    """Write what ``read_fact_cache`` read back into a cache folder; Ansible's "smart"
    gathering then skips those hosts. Files are new, so the cache timeout counts from now."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, values in facts.items():
        if isinstance(values, dict) and name == Path(name).name and not name.startswith("."):
            (folder / name).write_text(json.dumps(values), encoding="utf-8")
