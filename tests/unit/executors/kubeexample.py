"""The cluster example, copied with a change, for the Kubernetes unit tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from deployer.lab.overlay import absolutise

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "huadong-kubernetes.yml"


def spec_with(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    data = absolutise(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), EXAMPLE.parent)
    change(data)
    spec = tmp_path / "env.yml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return spec
