"""Where the Ansible content (playbooks/, roles/) lives."""

from __future__ import annotations

import os
from pathlib import Path

from deployer.errors import DeployerError


def content_dir() -> Path:
    """The folder holding playbooks/ and roles/: DEPLOYER_CONTENT_DIR, else the source tree."""
    configured = os.environ.get("DEPLOYER_CONTENT_DIR")
    root = Path(configured) if configured else Path(__file__).resolve().parents[3]
    if not (root / "playbooks").is_dir() or not (root / "roles").is_dir():
        raise DeployerError(f"no playbooks/ and roles/ in {root}; set DEPLOYER_CONTENT_DIR")
    return root
