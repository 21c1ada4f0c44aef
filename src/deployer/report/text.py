"""The terminal view: one rich table per host, failures first. Returns renderables; never prints."""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from deployer.checks.model import CheckReport, HostReport, Status
from deployer.report.i18n import Lang, text
from deployer.report.ordering import ordered_hosts, ordered_results, shown_status

_STYLE = {
    "PASS": "green",
    "WARN": "yellow",
    "FAIL": "bold red",
    "UNKNOWN": "dim",
    "ACCEPTED": "cyan",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _plain(value: str, style: str = "") -> Text:
    """A value from the spec, a host or a database, shown as it is: a Text is never read as
    rich markup (a process named ``[/x]`` would otherwise raise, ``[bold]`` would style), and
    control characters are escaped so that no host output can drive the terminal."""
    escaped = _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", value)
    return Text(escaped, style=style)


def render_text(report: CheckReport, lang: Lang = "en", verbose: bool = False) -> RenderableType:
    """Tables grouped by host; passes are listed only when ``verbose``."""
    parts: list[RenderableType] = []
    for host in ordered_hosts(report.hosts):
        parts.append(_host_table(host, lang, verbose))
    parts.append(Text(summary_line(report, lang), style="bold"))
    return Group(*parts)


def _host_table(host: HostReport, lang: Lang, verbose: bool) -> RenderableType:
    title = f"{host.host} ({host.address}) — {', '.join(host.roles)}"
    if not host.reachable:
        return _plain(f"{title}: {text('unreachable', lang)}: {host.error}", style="bold red")
    table = Table(title=_plain(title), title_justify="left", expand=False, show_lines=False)
    for column in ("status", "check", "observed", "required", "remediation"):
        table.add_column(text(column, lang), overflow="fold")
    hidden = 0
    for result in ordered_results(host):
        if result.status is Status.PASS and not verbose:
            hidden += 1
            continue
        status = shown_status(result)
        remediation = result.remediation_zh if lang == "zh" else result.remediation
        if result.accepted is not None:
            remediation = f"{text('accepted', lang)}: {result.accepted.reason}"
        table.add_row(
            Text(text(status, lang), style=_STYLE[status]),
            _plain(result.check_id),
            _plain(result.observed),
            _plain(result.required),
            _plain(remediation),
        )
    if hidden:
        table.caption = f"+ {hidden} {text('PASS', lang)} (-v)"
    return table


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
