"""Real lab hosts for tests/lab: one session lab for the example spec.

The session lab is examples/huadong-production.yml (app1: web+app, db1: db) on the
first free /24 from 10.213.7.0/24 on (another run may hold one). It is torn down at
the end, and leftovers of a crashed earlier run are removed before it starts. Tests
that change or destroy hosts make their own small lab from a spec under .deployer/,
on their own subnet, so the shared lab stays clean.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from labsupport import EXAMPLE, Lab, running_lab


@pytest.fixture(scope="session")
def example_lab() -> Iterator[Lab]:
    with running_lab(EXAMPLE) as started:
        yield started
