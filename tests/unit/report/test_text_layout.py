"""The scan's terminal table at the widths customers' consoles have, in English and Chinese.

The report is a recorded scan of a legacy CentOS 7 host (long paths in observed values, Chinese
remediations with commands glued to them), printed through the CLI's own streams.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from deployer.checks import Acceptance, CheckReport, CheckResult
from deployer.checks.acceptance import apply_acceptances
from deployer.cli.io import Streams
from deployer.report.i18n import Lang, text
from deployer.report.text import render_text

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "report"
#: A run of printable ASCII: a command, a path, a word. No line may cut one.
ASCII_WORD = re.compile(r"[!-~]+")
WIDE_LABELS = {
    "en": ["Status", "Check", "Observed", "Required"],
    "zh": ["结果", "检查项", "实际值", "要求"],
}


def recorded(name: str) -> CheckReport:
    report = CheckReport.from_dict(json.loads((FIXTURE / f"{name}.json").read_text("utf-8")))
    reason = "客户确认：数据库迁移后（预计 2026-12-31）统一调整 limits.conf 配置"
    return apply_acceptances(
        report, [Acceptance(check_id="limits.nofile", host="app1", reason=reason)]
    )


def printed(report: CheckReport, lang: Lang, width: int) -> str:
    out = io.StringIO()
    streams = Streams(out=out)
    streams.console.width = width
    streams.console.print(render_text(report, lang, verbose=True))
    return out.getvalue()


def remediation(result: CheckResult, lang: Lang) -> str:
    if result.accepted is not None:
        return f"{text('accepted', lang)}: {result.accepted.reason}"
    return result.remediation_zh if lang == "zh" else result.remediation


def squeezed(value: str) -> str:
    return re.sub(r"\s+", "", value)


CASES = [(lang, width) for lang in ("en", "zh") for width in (80, 100, 120, 200)]


@pytest.mark.parametrize(("lang", "width"), CASES)
def test_no_line_is_wider_than_the_terminal(lang: Lang, width: int) -> None:
    lines = printed(recorded("centos7-legacy-app-host"), lang, width).splitlines()
    too_wide = [line for line in lines if cell_len(line) > width]
    assert not too_wide


@pytest.mark.parametrize(("lang", "width"), CASES)
def test_every_remediation_reads_whole_under_its_row(lang: Lang, width: int) -> None:
    report = recorded("centos7-legacy-app-host")
    output = printed(report, lang, width)
    lines = output.splitlines()
    for result in report.results():
        wanted = remediation(result, lang)
        if not wanted:
            continue
        # Nothing else is printed inside it: only its own line breaks and indents interrupt it.
        assert squeezed(wanted) in squeezed(output), wanted
        # ... and it is under its own row (indented, before the next row), not in a column.
        host = next(i for i, line in enumerate(lines) if line.startswith(f"{result.host} ("))
        first = next(i for i in range(host, len(lines)) if result.check_id in lines[i].split())
        label = text("remediation", lang)
        under = next(i for i in range(first + 1, len(lines)) if label in lines[i])
        assert all(line.startswith(" ") for line in lines[first + 1 : under + 1]), wanted


@pytest.mark.parametrize(("lang", "width"), CASES)
def test_no_word_is_cut_at_a_line_end(lang: Lang, width: int) -> None:
    report = recorded("centos7-legacy-app-host")
    lines = printed(report, lang, width).splitlines()
    for result in report.results():
        for value in (result.check_id, result.observed, result.required, remediation(result, lang)):
            for word in ASCII_WORD.findall(value):
                assert any(word in line for line in lines), word


def test_a_wide_terminal_keeps_the_columns_side_by_side() -> None:
    for lang in ("en", "zh"):
        lines = printed(recorded("centos7-legacy-app-host"), lang, 120).splitlines()
        header = [line for line in lines if all(label in line for label in WIDE_LABELS[lang])]
        assert len(header) == 2, lang  # one per reachable host
        row = next(line for line in lines if "security.selinux" in line)
        assert "enforcing" in row  # observed beside its check, on the same line
