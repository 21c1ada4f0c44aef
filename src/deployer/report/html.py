"""A self-contained HTML page the customer can read, print and sign (English or Chinese)."""

from __future__ import annotations

from typing import Any

import jinja2

from deployer.checks.model import CheckReport, CheckResult, HostReport, Status
from deployer.report.document import Document
from deployer.report.i18n import Lang, catalogue
from deployer.report.ordering import ordered_hosts, ordered_results, shown_status
from deployer.report.text import summary_line, verdict_key

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("deployer.report", "templates"),
    autoescape=True,  # observed values come from customer hosts: escape everything
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(report: CheckReport, lang: Lang = "en") -> str:
    template = _ENV.get_template("check.html.j2")
    return template.render(
        lang=lang,
        t=catalogue(lang),
        report=_report_view(report, lang),
        verdict=verdict_key(report),
        counts=summary_line(report, lang).split(". ")[0],
        accepted=[_accepted_view(r) for r in report.results() if r.accepted is not None],
    )


def _report_view(report: CheckReport, lang: Lang) -> dict[str, Any]:
    return {
        "customer": report.customer,
        "environment": report.environment,
        "product": report.product,
        "product_version": report.product_version,
        "generated_at": report.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip(),
        "hosts": [_host_view(host, lang) for host in ordered_hosts(report.hosts)],
    }


def _host_view(host: HostReport, lang: Lang) -> dict[str, Any]:
    counts = {status: 0 for status in Status}
    for result in host.results:
        counts[result.status] += 1
    labels = catalogue(lang)
    summary = ", ".join(f"{labels[s.value]} {n}" for s, n in counts.items() if n)
    return {
        "host": host.host,
        "address": host.address,
        "roles": list(host.roles),
        "reachable": host.reachable,
        "error": host.error or "",
        "summary": summary,
        "results": [_result_view(r, lang) for r in ordered_results(host)],
    }


def _result_view(result: CheckResult, lang: Lang) -> dict[str, Any]:
    return {
        "check_id": result.check_id,
        "title": result.title_zh if lang == "zh" else result.title,
        "status": result.status.value,
        "shown_status": shown_status(result),
        "observed": result.observed,
        "required": result.required,
        "remediation_text": result.remediation_zh if lang == "zh" else result.remediation,
    }


def _accepted_view(result: CheckResult) -> dict[str, str]:
    assert result.accepted is not None
    return {
        "check_id": result.check_id,
        "host": result.host,
        "observed": result.observed,
        "reason": result.accepted.reason,
    }


def render_document_html(document: Document) -> str:
    """A hand-over document as one self-contained page."""
    return _ENV.get_template("document.html.j2").render(doc=document)
