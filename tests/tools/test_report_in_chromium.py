"""The signable HTML scan report drawn by headless Chromium in both languages: what a customer
prints and signs. Skips where Chromium is missing (scripts/setup.sh installs it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.checks import CheckReport
from deployer.report.html import render_html
from tests.support.check_reports import sample_report
from tests.support.chromium import chromium, png_size, render


@pytest.fixture
def report() -> CheckReport:
    return sample_report()


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "Pre-installation compatibility report",
                "Accepted risks",
                "Customer representative",
                "fix port.free:8080",
                "Unreachable",
            ],
        ),
        (
            "zh",
            [
                "安装前环境兼容性检查报告",
                "已接受的风险",
                "客户代表",
                "处理 port.free:8080",
                "无法连接",
                "标题 memory.total",
            ],
        ),
    ],
)
def test_html_renders_in_chromium_in_both_languages(
    report: CheckReport, tmp_path: Path, lang: str, expected: list[str]
) -> None:
    page = tmp_path / f"report-{lang}.html"
    page.write_text(render_html(report, lang), encoding="utf-8")  # type: ignore[arg-type]
    if chromium() is None:
        pytest.skip("chromium is not installed (scripts/setup.sh installs it)")
    png = tmp_path / f"report-{lang}.png"
    text = render(page, png, height=1600)
    assert png_size(png) == (1200, 1600) and png.stat().st_size > 20_000
    for phrase in ["华东精密机械有限公司", "客户确认：下月扩容", *expected]:
        assert phrase in text, phrase
