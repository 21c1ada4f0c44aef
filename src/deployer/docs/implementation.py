"""《实施报告》, the implementation report: what was installed where, run by run, and where
the installation departed from the plan (accepted risks, rollbacks) or left work open."""

from __future__ import annotations

from deployer.docs.common import check_title, document, hosts_table, version
from deployer.docs.records import RunRecord, SiteRecords
from deployer.docs.wording import Say, when
from deployer.errors import ExitCode
from deployer.report.document import Block, Bullets, Document, Paragraph, Section, Table
from deployer.report.i18n import Lang

NAME = "implementation-report"


def implementation_report(site: SiteRecords, lang: Lang) -> Document:
    say = Say(lang)
    sections = (
        _overview(site, say),
        Section(say("Scope", "实施范围"), (hosts_table(site, say), *_database(site, say))),
        Section(say("Timeline of runs", "实施过程"), (_timeline(site, say),)),
        Section(say("What was installed where", "安装内容"), _installed(site, say)),
        Section(say("What each run changed", "各次运行的变更"), _changes(site, say)),
        Section(say("Database changes", "数据库变更"), (_migrations(site, say),)),
        Section(say("Legacy data imported", "历史数据导入"), _imports(site, say)),
        Section(say("Deviations", "偏差说明"), _deviations(site, say)),
        Section(say("Open items", "遗留事项"), (Bullets(tuple(_open_items(site, say))),)),
    )
    return document(site, say, NAME, say("Implementation report", "实施报告"), sections)


def _overview(site: SiteRecords, say: Say) -> Section:
    env = site.loaded.env
    live = site.live
    text = say(
        "{product} {version} was installed for {customer} in environment {environment}.",
        "已为{customer}在{environment}环境完成 {product} {version} 的实施。",
        product=env.product.name,
        version=version(site),
        customer=env.customer,
        environment=env.environment,
    )
    if live is None:
        text = say(
            "No installation of {product} has succeeded yet in environment {environment}.",
            "{environment}环境尚无成功的 {product} 安装记录。",
            product=env.product.name,
            environment=env.environment,
        )
    rows = [(say("Label", "标签") + f" {key}", str(value)) for key, value in env.labels.items()]
    rows.append((say("Deploy target", "部署方式"), env.target.type))
    if live is not None:
        rows.append(
            (say("Live since run", "当前版本来自运行"), f"{live.id} ({when(live.meta.finished)})")
        )
    table = Table((say("Item", "项目"), say("Value", "内容")), tuple(rows))
    return Section(say("Overview", "项目概况"), (Paragraph(text), table))


def _database(site: SiteRecords, say: Say) -> tuple[Block, ...]:
    database = site.loaded.env.database
    if database is None:
        return ()
    schemas = ", ".join(schema.name for schema in database.schemas)
    return (
        Paragraph(
            say(
                "Database: {engine} {version} on {host}:{port}, schemas {schemas}.",
                "数据库：{engine} {version}，位于 {host}:{port}，模式 {schemas}。",
                engine=database.engine,
                version=database.version,
                host=database.host,
                port=database.effective_port,
                schemas=schemas,
            )
        ),
    )


def _timeline(site: SiteRecords, say: Say) -> Table:
    headers = (
        say("Run", "运行"),
        say("What", "内容"),
        say("Started", "开始"),
        say("Finished", "结束"),
        say("By", "执行人"),
        say("Version", "版本"),
        say("Result", "结果"),
    )
    rows = tuple(_timeline_row(run, say) for run in site.runs)
    return Table(headers, rows)


def _timeline_row(run: RunRecord, say: Say) -> tuple[str, ...]:
    meta = run.meta
    what = say.kind(meta.kind)
    if meta.kind == "rollback" and meta.undoes:
        what += say(" of {run}", "（撤销 {run}）", run=meta.undoes)
    who = "@".join(part for part in (meta.user, meta.host) if part)
    result = say.status(meta.status.value)
    if meta.kind == "watch" and run.balance is not None:
        result = str(run.balance.get("verdict", result))
    if meta.exit_code not in (None, 0):
        result += f" (exit {meta.exit_code})"
    return (
        meta.id,
        what,
        when(meta.started),
        when(meta.finished),
        who,
        meta.product_version or "",
        result,
    )


def _installed(site: SiteRecords, say: Say) -> tuple[Block, ...]:
    blocks: list[Block] = []
    for host in site.loaded.env.hosts:
        found = site.managed(host.name)
        if found is None:
            blocks.append(
                Paragraph(say("{host}: nothing recorded.", "{host}：无记录。", host=host.name))
            )
            continue
        record, run = found
        rows = []
        for role, state in sorted(record.roles.items()):
            for package, installed in sorted(state.packages.items()):
                rows.append((role, say("package", "软件包"), package, installed or say.none))
            for service, unit in sorted(state.services.items()):
                rows.append(
                    (role, say("service", "服务"), service, f"{unit.enabled}, {unit.active}")
                )
            for link, points in sorted(state.links.items()):
                rows.append((role, say("link", "链接"), link, points or say.none))
        blocks.append(
            Paragraph(
                say(
                    "{host} ({address}), as run {run} left it:",
                    "{host}（{address}），依据运行 {run}：",
                    host=host.name,
                    address=host.address,
                    run=run,
                )
            )
        )
        headers = (
            say("Role", "角色"),
            say("Kind", "类别"),
            say("Name", "名称"),
            say("State", "状态"),
        )
        blocks.append(Table(headers, tuple(rows)))
    return tuple(blocks)


def _changes(site: SiteRecords, say: Say) -> tuple[Block, ...]:
    """Per apply and rollback, every task that changed a host, and its task counts."""
    blocks: list[Block] = []
    for run in site.runs:
        if run.meta.kind not in ("apply", "rollback"):
            continue
        counts = "; ".join(
            f"{host}: "
            + say(
                "{changed} changed, {failed} failed",
                "变更 {changed} 项，失败 {failed} 项",
                changed=tally.get("changed", 0),
                failed=tally.get("failed", 0),
            )
            for host, tally in sorted(run.recap.items())
        )
        blocks.append(Paragraph(f"{run.id} — {_timeline_row(run, say)[1]}: {counts or say.none}"))
        rows = tuple(
            (str(event.get("host", "")), str(event.get("task", "")))
            for event in run.of_kind("task")
            if event.get("outcome") == "changed"
        )
        if rows:
            blocks.append(Table((say("Host", "主机"), say("Change", "变更内容")), rows))
    return tuple(blocks) or (Paragraph(say.none),)


def _migrations(site: SiteRecords, say: Say) -> Table:
    rows: list[tuple[str, ...]] = []
    for run in site.runs:
        for event in run.of_kind("schema"):
            created = say("created", "新建") if event.get("created") else ""
            applied = ", ".join(event.get("migrations") or []) or say.none
            rows.append(
                (run.id, say("applied", "执行"), str(event.get("schema", "")), applied, created)
            )
        for event in run.of_kind("database"):
            undone = ", ".join(event.get("undone") or [])
            restored = event.get("restored")
            what = undone or (
                say("restored from {file}", "由 {file} 恢复", file=restored) if restored else ""
            )
            rows.append(
                (run.id, say("undone", "撤销"), str(event.get("schema", "")), what or say.none, "")
            )
    headers = (
        say("Run", "运行"),
        say("Action", "操作"),
        say("Schema", "模式"),
        say("Migrations", "迁移脚本"),
        say("Note", "备注"),
    )
    return Table(headers, tuple(rows))


def _imports(site: SiteRecords, say: Say) -> tuple[Block, ...]:
    imports = [run for run in site.of_kind("import") if run.balance is not None]
    if not imports:
        return (Paragraph(say("No legacy data was imported.", "未导入历史数据。")),)
    headers = (
        say("Run", "运行"),
        say("Table", "表"),
        say("Source", "来源"),
        say("Read", "读取"),
        say("Loaded", "导入"),
        say("Updated", "更新"),
        say("Skipped", "跳过"),
        say("Duplicates", "重复"),
        say("Rejected", "拒绝"),
        say("Balanced", "平衡"),
    )
    rows = []
    for run in imports:
        balance = run.balance or {}
        counts = [
            str(balance.get(key, ""))
            for key in ("read", "loaded", "updated", "skipped", "duplicates", "rejected")
        ]
        holds = run.balances
        dry = say(" (dry run)", "（试运行）") if balance.get("dry_run") else ""
        rows.append(
            (
                run.id,
                str(balance.get("table", "")),
                str(balance.get("source", "")) + dry,
                *counts,
                say("yes", "是") if holds else say("NO", "否"),
            )
        )
    return (Table(headers, tuple(rows)),)


def _deviations(site: SiteRecords, say: Say) -> tuple[Block, ...]:
    risks = site.accepted_risks()
    scan = site.scan
    blocks: list[Block] = [
        Paragraph(say("Accepted risks", "已接受的风险") + (f" ({scan.id})" if scan else ""))
    ]
    if risks:
        headers = (
            say("Check", "检查项"),
            say("Host", "主机"),
            say("Observed", "实际值"),
            say("Required", "要求"),
            say("Reason", "接受理由"),
        )
        rows = tuple(
            (
                f"{r.check_id} {check_title(r, say)}",
                r.host,
                r.observed,
                r.required,
                r.accepted.reason if r.accepted else "",
            )
            for r in risks
        )
        blocks.append(Table(headers, rows))
    else:
        blocks.append(Paragraph(say.none))
    blocks.append(Paragraph(say("Rollbacks", "回滚")))
    rollbacks = site.of_kind("rollback")
    if not rollbacks:
        blocks.append(Paragraph(say.none))
        return tuple(blocks)
    rollback_rows = tuple(_rollback_row(site, run, say) for run in rollbacks)
    columns = (
        say("Rollback", "回滚运行"),
        say("Undid", "撤销的运行"),
        say("Why", "原因"),
        say("Result", "结果"),
    )
    blocks.append(Table(columns, rollback_rows))
    return tuple(blocks)


def _rollback_row(site: SiteRecords, run: RunRecord, say: Say) -> tuple[str, ...]:
    undone = site.find(run.meta.undoes)
    if undone is None:
        why = say("the run it undid is not in the journal", "被撤销的运行不在运行记录中")
    elif undone.succeeded:
        why = say(
            "{version} was withdrawn after it went live ({time})",
            "{version} 上线后撤回（{time}）",
            version=undone.meta.product_version or "",
            time=when(undone.meta.finished),
        )
    else:
        why = say(
            "the run ended {status}: {error}",
            "该运行{status}：{error}",
            status=say.status(undone.meta.status.value),
            error=undone.meta.error or say("no reason recorded", "未记录原因"),
        )
    version_undone = undone.meta.product_version if undone else ""
    return (
        run.id,
        f"{run.meta.undoes or ''} {version_undone or ''}".strip(),
        why,
        say.status(run.meta.status.value),
    )


def _open_items(site: SiteRecords, say: Say) -> list[str]:
    items = []
    if site.scan is None:
        items.append(
            say(
                "No compatibility scan is recorded: run deployer check.",
                "无环境兼容性检查记录：请执行 deployer check。",
            )
        )
    for result in site.warnings():
        items.append(
            say(
                "{host}: {title} ({status}: {observed}; required {required})",
                "{host}：{title}（{status}：{observed}；要求 {required}）",
                host=result.host,
                title=check_title(result, say),
                status=result.status.value,
                observed=result.observed,
                required=result.required,
            )
        )
    for result in site.accepted_risks():
        items.append(
            say(
                "Accepted risk to resolve later: {title} on {host}",
                "已接受的风险，后续需处理：{host} 的 {title}",
                title=check_title(result, say),
                host=result.host,
            )
        )
    undone = {run.meta.undoes for run in site.of_kind("rollback") if run.succeeded}
    for run in site.runs:
        rolled_back = run.id in undone or run.meta.exit_code == ExitCode.APPLY_FAILED_ROLLED_BACK
        if run.meta.kind == "apply" and not run.succeeded and not rolled_back:
            items.append(
                say(
                    "Run {run} ended {status} and was not rolled back: {error}",
                    "运行 {run} {status}，且未回滚：{error}",
                    run=run.id,
                    status=say.status(run.meta.status.value),
                    error=run.meta.error or say("no reason recorded", "未记录原因"),
                )
            )
    return items or [say.none]
