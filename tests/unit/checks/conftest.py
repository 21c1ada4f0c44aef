"""Fixtures for the rule tests (helpers live in tests/support/checks.py)."""

from __future__ import annotations

import pytest

from deployer.facts import HostFacts
from deployer.spec.environment import Environment
from deployer.spec.matrix import SupportMatrix
from tests.support.checks import example, probe_facts


@pytest.fixture
def lab_facts() -> HostFacts:
    """A clean lab host: Debian 12 minbase, 2 CPUs, plenty of memory, only sshd listening."""
    return probe_facts("debian12-lab")


@pytest.fixture
def example_env() -> tuple[Environment, SupportMatrix]:
    return example()
