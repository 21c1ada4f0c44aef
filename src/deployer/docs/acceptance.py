"""The acceptance sheet (验收单): one line per thing to accept, each with its evidence (the
run that proves it and how it ended), then the signatures of both parties."""

from __future__ import annotations

from deployer.docs.common import document, version
from deployer.docs.records import RunRecord, SiteRecords
from deployer.docs.site import host_plans
from deployer.docs.wording import Say
from deployer.report.document import Document, Paragraph, Section, Table
from deployer.report.i18n import Lang

NAME = "acceptance-sheet"
PASSED, FAILED, OPEN = "✓", "✗", "—"


def acceptance_sheet(site: SiteRecords, lang: Lang) -> Document:
    say = Say(lang)
    env = site.loaded.env
    items = _items(site, say)
    rows = tuple((str(number), *item) for number, item in enumerate(items, 1))
    headers = (
        say("No.", "序号"),
        say("Item", "验收项"),
        say("Evidence", "依据"),
        say("Result", "结果"),
        say("Remarks", "备注"),
    )
    sections = (
        Section(
            say("Scope", "验收范围"),
            (
                Paragraph(
                    say(
                        "{customer} accepts {product} {version} in environment {environment} on "
                        "the items below; each names the deployer run that shows it.",
                        "{customer}就 {environment} 环境的 {product} {version} "
                        "按以下各项验收；每项注明可查证的 "
                        "deployer 运行记录。",
                        customer=env.customer,
                        product=env.product.name,
                        version=version(site),
                        environment=env.environment,
                    )
                ),
            ),
        ),
        Section(say("Checklist", "验收清单"), (Table(headers, rows),)),
    )
    return document(
        site,
        say,
        NAME,
        say("Acceptance sheet", "验收单"),
        sections,
        signatures=(
            say("Customer representative: name / signature / date", "客户代表：姓名 / 签字 / 日期"),
            say(
                "Implementation engineer: name / signature / date", "实施工程师：姓名 / 签字 / 日期"
            ),
        ),
    )


def _evidence(run: RunRecord | None, say: Say) -> tuple[str, str]:
    if run is None:
        return say("no run recorded", "无运行记录"), OPEN
    mark = PASSED if run.succeeded else FAILED
    return f"{run.id} ({say.status(run.meta.status.value)})", mark


def _items(site: SiteRecords, say: Say) -> list[tuple[str, str, str, str]]:
    env = site.loaded.env
    items: list[tuple[str, str, str, str]] = []
    scan = site.scan
    evidence, mark = _evidence(scan, say)
    blocking = [r for r in scan.scan.blocking if r.accepted is None] if scan and scan.scan else []
    if scan is not None and blocking:
        mark = FAILED
    items.append(
        (
            say("The environment meets the product's requirements", "环境满足产品安装要求"),
            evidence,
            mark,
            "",
        )
    )
    for result in site.accepted_risks():
        items.append(
            (
                say(
                    "Risk accepted: {check} on {host}",
                    "已接受风险：{host} 的 {check}",
                    check=result.check_id,
                    host=result.host,
                ),
                scan.id if scan else "",
                PASSED,
                result.accepted.reason if result.accepted else "",
            )
        )
    live = site.live
    evidence, mark = _evidence(live, say)
    items.append(
        (
            say(
                "{product} {version} is installed and its health page answers",
                "{product} {version} 已安装，健康检查通过",
                product=env.product.name,
                version=version(site),
            ),
            evidence,
            mark,
            "",
        )
    )
    for plan in host_plans(env):
        items.append(
            (
                say(
                    "{host} ({address}) serves on {ports}",
                    "{host}（{address}）端口 {ports} 正常",
                    host=plan.host.name,
                    address=plan.host.address,
                    ports=plan.ports,
                ),
                evidence,
                mark,
                "",
            )
        )
    if env.database is not None:
        for schema in env.database.schemas:
            proof, done = _schema_evidence(site, schema.name, say)
            items.append(
                (
                    say(
                        "Schema {schema} is at its release's version",
                        "数据库模式 {schema} 已升级到对应版本",
                        schema=schema.name,
                    ),
                    proof,
                    done,
                    "",
                )
            )
    items.append(
        (
            say("A rollback plan was written before the go-live", "上线前已生成回滚计划"),
            *_evidence(live, say),
            "rollback.md",
        )
    )
    for rollback in site.of_kind("rollback"):
        evidence, mark = _evidence(rollback, say)
        items.append(
            (
                say("Rollback of {run} worked", "回滚 {run} 成功", run=rollback.meta.undoes or ""),
                evidence,
                mark,
                "",
            )
        )
    for imported in site.of_kind("import"):
        balance = imported.balance or {}
        holds = imported.balances
        items.append(
            (
                say(
                    "Legacy data in {table} balances",
                    "历史数据 {table} 导入数量平衡",
                    table=str(balance.get("table", "")),
                ),
                imported.id,
                PASSED if holds and imported.succeeded else FAILED,
                say(
                    "loaded {n}, rejected {r}",
                    "导入 {n}，拒绝 {r}",
                    n=balance.get("loaded", ""),
                    r=balance.get("rejected", ""),
                ),
            )
        )
    items.append(
        (
            say("Hand-over documents delivered", "交付文档已移交"),
            say("this document set", "本套文档"),
            OPEN,
            "",
        )
    )
    return items


def _schema_evidence(site: SiteRecords, schema: str, say: Say) -> tuple[str, str]:
    """The run that left ``schema`` as it is: the live release's apply when it migrated the
    schema, else the newest successful run that migrated it or undid a migration."""
    live = site.live
    if live is not None and any(e.get("schema") == schema for e in live.of_kind("schema")):
        return live.id, PASSED
    touching = [
        run
        for run in site.runs
        if run.succeeded
        and any(
            e.get("schema") == schema for kind in ("schema", "database") for e in run.of_kind(kind)
        )
    ]
    if not touching:
        return say("no run recorded", "无运行记录"), OPEN
    return touching[-1].id, PASSED
