"""The machine-readable report: the model itself plus the verdict a pipeline needs."""

from __future__ import annotations

import json

from deployer.checks.model import CheckReport


def render_json(report: CheckReport) -> str:
    data = report.to_dict()
    data["summary"] = {
        "blocking": [f"{r.check_id}@{r.host}" for r in report.blocking],
        "unreachable": [h.host for h in report.unreachable],
        "unused_acceptances": [str(a) for a in report.unused_acceptances],
        "counts": {status.value: n for status, n in report.counts().items()},
    }
    return json.dumps(data, ensure_ascii=False, indent=2)
