"""Load an Ansible module that a role ships in its library/ folder, or a file of its
module_utils/ folder, to test its functions."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

ROLES = Path(__file__).resolve().parents[2] / "roles"


def role_module(role: str, name: str, folder: str = "library") -> Any:
    path = ROLES / role / folder / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
