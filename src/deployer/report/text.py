"""The terminal view: one table per host, failures first, each remediation under its row.
Returns renderables; never prints."""

from __future__ import annotations

import re

from rich.console import Group, RenderableType

from deployer.checks.model import CheckReport, CheckResult, HostReport, Status
from deployer.report.i18n import Lang, text
from deployer.report.layout import HostTable, Paragraph, Row
from deployer.report.ordering import ordered_hosts, ordered_results, shown_status

_STYLE = {
    "PASS": "green",
    "WARN": "yellow",
    "FAIL": "bold red",
    "UNKNOWN": "dim",
    "ACCEPTED": "cyan",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escaped(value: str) -> str:
    """A value from the spec, a host or a database, shown as it is: control characters are
    escaped so that no host output can drive the terminal. Cells are Text, never read as rich
    markup (a process named ``[/x]`` would otherwise raise, ``[bold]`` would style)."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", value)


def render_text(report: CheckReport, lang: Lang = "en", verbose: bool = False) -> RenderableType:
    """Tables grouped by host; passes are listed only when ``verbose``."""
    parts: list[RenderableType] = []
    for host in ordered_hosts(report.hosts):
        parts.append(_host_table(host, lang, verbose))
    parts.append(Paragraph(summary_line(report, lang), style="bold"))
    return Group(*parts)


def _host_table(host: HostReport, lang: Lang, verbose: bool) -> RenderableType:
    title = _escaped(f"{host.host} ({host.address}) — {', '.join(host.roles)}")
    if not host.reachable:
        line = f"{title}: {text('unreachable', lang)}: {_escaped(host.error or '')}"
        return Paragraph(line, style="bold red")
    shown = [r for r in ordered_results(host) if verbose or r.status is not Status.PASS]
    hidden = len(host.results) - len(shown)
    caption = f"+ {hidden} {text('PASS', lang)} (-v)" if hidden else ""
    rows = tuple(_row(result, lang) for result in shown)
    keys = ("status", "check", "observed", "required", "remediation")
    status, check, observed, required, remediation = (text(key, lang) for key in keys)
    colon = "：" if lang == "zh" else ": "
    details = (observed + colon, required + colon, remediation + colon)
    return HostTable(title, (status, check, observed, required), details, rows, caption)


def _row(result: CheckResult, lang: Lang) -> Row:
    status = shown_status(result)
    remediation = result.remediation_zh if lang == "zh" else result.remediation
    if result.accepted is not None:
        remediation = f"{text('accepted', lang)}: {result.accepted.reason}"
    cells = (result.check_id, result.observed, result.required, remediation)
    return Row(text(status, lang), _STYLE[status], *(_escaped(cell) for cell in cells))


def summary_line(report: CheckReport, lang: Lang) -> str:
    counts = report.counts()
    accepted = sum(1 for r in report.results() if r.accepted is not None)
    line = text("counts", lang).format(
        passed=counts[Status.PASS],
        warned=counts[Status.WARN],
        failed=counts[Status.FAIL],
        unknown=counts[Status.UNKNOWN],
        accepted=accepted,
    )
    return f"{line}. {text(verdict_key(report), lang)}"


def verdict_key(report: CheckReport) -> str:
    if report.unreachable:
        return "verdict_unreachable"
    return "verdict_fail" if report.blocking else "verdict_ok"
