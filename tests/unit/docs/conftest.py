"""A go-live journal beside a copy of the example spec, its random secrets in the
environment as the engineer's shell would have them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.handover import GoLive, go_live

#: An edit of the example spec that adds lines under `product:` (after its health page).
PRODUCT = "  health_path: /erp/health.jsp=>  health_path: /erp/health.jsp\n  "

GoLiveWith = Callable[..., GoLive]


@pytest.fixture
def golive_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GoLiveWith:
    """``golive_with("faq: faq.yml")``: the go-live with those lines added to `product:`."""

    def made(*product_lines: str) -> GoLive:
        edits = [PRODUCT + line for line in product_lines]
        golive = go_live(tmp_path, *edits)
        for name, value in golive.secrets.items():
            monkeypatch.setenv(name, value)
        return golive

    return made


@pytest.fixture
def golive(golive_with: GoLiveWith) -> GoLive:
    return golive_with()
