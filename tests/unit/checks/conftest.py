"""Fixtures for the rule tests (helpers live in checks_helpers.py, importable by name)."""

from __future__ import annotations

import pytest
from checks_helpers import example, probe_facts

from deployer.facts import HostFacts
from deployer.spec.environment import Environment
from deployer.spec.matrix import SupportMatrix


@pytest.fixture
def lab_facts() -> HostFacts:
    """A clean lab host: Debian 12 minbase, 2 CPUs, plenty of memory, only sshd listening."""
    return probe_facts("debian12-lab")


@pytest.fixture
def example_env() -> tuple[Environment, SupportMatrix]:
    return example()
