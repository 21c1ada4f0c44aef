"""A small check report: an app host with a failure, an accepted risk and a warning, and an
unreachable database host; shared by the renderers' unit tests and the browser test."""

from __future__ import annotations

from datetime import datetime, timezone

from deployer.checks import Acceptance, CheckReport, CheckResult, HostReport, Status
from deployer.checks.acceptance import apply_acceptances


def result(check_id: str, status: Status, observed: str = "x", host: str = "app1") -> CheckResult:
    return CheckResult(
        check_id=check_id,
        host=host,
        title=f"title {check_id}",
        title_zh=f"标题 {check_id}",
        status=status,
        observed=observed,
        required="y",
        remediation=f"fix {check_id}",
        remediation_zh=f"处理 {check_id}",
        blocking=status is Status.FAIL,
    )


def sample_report() -> CheckReport:
    app1 = HostReport(
        host="app1",
        address="10.0.0.1",
        roles=("web", "app"),
        reachable=True,
        results=(
            result("os.version", Status.PASS),
            result("port.free:8080", Status.FAIL, "java (pid 812) <listening>"),
            result("memory.total", Status.FAIL, "1024 MB"),
            result("time.zone", Status.WARN, "Etc/UTC"),
        ),
    )
    db1 = HostReport(
        host="db1",
        address="10.0.0.2",
        roles=("db",),
        reachable=False,
        error="host-key: Host key verification failed.",
    )
    bare = CheckReport(
        customer="华东精密机械有限公司",
        environment="production",
        product="sample-erp",
        product_version="1.0",
        generated_at=datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc),
        hosts=(app1, db1),
    )
    accepted = Acceptance(check_id="memory.total", host="app1", reason="客户确认：下月扩容")
    return apply_acceptances(bare, [accepted])
