"""The Ansible engines as deployer's own commands find them: in the user's cache
(``$XDG_CACHE_HOME/deployer/engines``), so every test of a run shares one 2.16 venv, built
once by whichever test needs it first (CI starts from a clean cache and has the package index).
"""

from __future__ import annotations

import os
from pathlib import Path

from deployer.executors.ansible.engine_venv import ready_engine
from deployer.executors.ansible.engines import EngineInstall, EngineSettings, cache_dir_from

ENGINE_NAMES = ("current", "2.16")


def shared_settings() -> EngineSettings:
    """What ``deployer apply`` uses without options: the same cache, the same wheelhouse."""
    wheelhouse = os.environ.get("DEPLOYER_WHEELHOUSE")
    return EngineSettings(
        cache_dir_from(os.environ, Path.home()), Path(wheelhouse) if wheelhouse else None
    )


def shared_engine(name: str) -> EngineInstall:
    return ready_engine(name, shared_settings())
