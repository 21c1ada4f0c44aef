"""Where the Ansible content (playbooks/, roles/) lives.

A built deployer carries a copy of it inside the package (setup.py puts it there); an
editable install reads the source tree's own folders, so an edited role takes effect at once.
``DEPLOYER_CONTENT_DIR`` overrides both, for trying other content with an installed deployer.
"""

from __future__ import annotations

import os
from pathlib import Path

import deployer
from deployer.errors import DeployerError, ExitCode

#: The override, read before anything else.
CONTENT_ENV = "DEPLOYER_CONTENT_DIR"
#: The copy's folder inside the installed package (setup.py writes the same name).
BUNDLED = "_content"


class ContentNotFoundError(DeployerError):
    """No playbooks/ and roles/ where deployer looked: the override names the wrong folder,
    or the installation lacks its content."""

    exit_code = ExitCode.USAGE


def content_dir() -> Path:
    """The folder holding playbooks/ and roles/: ``DEPLOYER_CONTENT_DIR`` if set, else the
    content of the deployer package that is running."""
    return find_content(os.environ.get(CONTENT_ENV), Path(deployer.__file__).resolve().parent)


def find_content(configured: str | None, package: Path) -> Path:
    """``configured`` (the override's value) if given; else, for the package folder
    ``package``, its bundled copy, or the source tree around it (``src/deployer``)."""
    if configured:
        candidates = [Path(configured)]
    else:
        candidates = [package / BUNDLED]
        if package.parent.name == "src":
            candidates.append(package.parent.parent)
    for root in candidates:
        if (root / "playbooks").is_dir() and (root / "roles").is_dir():
            return root
    if configured:
        raise ContentNotFoundError(f"{CONTENT_ENV}: no playbooks/ and roles/ in {configured}")
    looked = " or ".join(str(root) for root in candidates)
    raise ContentNotFoundError(
        f"no playbooks/ and roles/ in {looked}: this deployer installation lacks its Ansible "
        f"content; reinstall it, or set {CONTENT_ENV} to a folder holding them"
    )
