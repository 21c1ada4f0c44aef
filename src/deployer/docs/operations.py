"""《运维指南》, the operations guide: how to start, stop and check each service, where its
logs are, how to back up and restore the database, how to undo a release with deployer, and
what to watch after a restart."""

from __future__ import annotations

import shlex

from deployer.docs.common import document, hosts_table, version, where_from
from deployer.docs.records import SiteRecords
from deployer.docs.site import HostPlan, host_plans, port_of
from deployer.docs.wording import Say
from deployer.report.document import Block, Bullets, Commands, Document, Paragraph, Section, Table
from deployer.report.i18n import Lang
from deployer.spec import Environment
from deployer.spec.layout import product_layout
from deployer.spec.sources import tarball_of

NAME = "operations-guide"
#: Services whose log files are in a known place, beside the journal every unit writes to.
LOG_FILES = {
    "nginx": ("/var/log/nginx/access.log", "/var/log/nginx/error.log"),
}


def operations_guide(site: SiteRecords, lang: Lang, spec_shown: str) -> Document:
    say = Say(lang)
    env = site.loaded.env
    plans = host_plans(env)
    sections = (
        Section(say("Hosts", "主机"), (hosts_table(site, say),)),
        Section(say("Services", "服务启停"), _services(site, plans, say)),
        Section(say("Logs", "日志"), (_logs(site, plans, say),)),
        Section(say("Health checks", "健康检查"), _health(site, plans, say)),
        Section(say("Database backup and restore", "数据库备份与恢复"), _backup(env, say)),
        Section(say("Undoing a release", "版本回退"), _rollback(site, spec_shown, say)),
        Section(
            say("After a restart", "重启后检查"),
            (Bullets(tuple(_after_restart(site, plans, say))),),
        ),
    )
    return document(site, say, NAME, say("Operations guide", "运维指南"), sections)


def services_of(site: SiteRecords, host: str) -> list[str]:
    """The systemd units deployer manages on ``host``, by its newest record."""
    found = site.managed(host)
    if found is None:
        return []
    record, _ = found
    return sorted({unit for state in record.roles.values() for unit in state.services})


def _services(site: SiteRecords, plans: list[HostPlan], say: Say) -> tuple[Block, ...]:
    blocks: list[Block] = []
    for plan in plans:
        units = services_of(site, plan.host.name)
        if not units:
            continue
        blocks.append(
            Paragraph(
                say(
                    "On {host} ({address}):",
                    "{host}（{address}）上：",
                    host=plan.host.name,
                    address=plan.host.address,
                )
            )
        )
        lines = []
        for unit in units:
            quoted = shlex.quote(unit)
            lines += [
                f"sudo systemctl {verb} {quoted}" for verb in ("status", "start", "stop", "restart")
            ]
        blocks.append(Commands(tuple(lines)))
    if not blocks:
        blocks.append(Paragraph(say("No installation is recorded yet.", "尚无安装记录。")))
    return tuple(blocks)


def _logs(site: SiteRecords, plans: list[HostPlan], say: Say) -> Table:
    tomcat = site.loaded.env.middleware.tomcat
    tarball = tomcat is not None and tarball_of(tomcat.source) is not None
    tomcat_logs = product_layout(site.loaded.env).tomcat_logs
    rows = []
    for plan in plans:
        for unit in services_of(site, plan.host.name):
            files: tuple[str, ...] = LOG_FILES.get(unit, ())
            by_logrotate = unit in LOG_FILES
            if unit.startswith("tomcat"):
                files = (f"{tomcat_logs}/",)
                by_logrotate = not tarball
            where = "; ".join((f"journalctl -u {shlex.quote(unit)}", *files))
            if by_logrotate:
                rotation = say(
                    "logrotate (/etc/logrotate.d/{unit})",
                    "logrotate（/etc/logrotate.d/{unit}）",
                    unit=unit,
                )
            elif unit.startswith("tomcat"):
                rotation = say(
                    "a file per day, kept until deleted: clean up old ones",
                    "按日生成文件，不自动删除：请定期清理",
                )
            else:
                rotation = say(
                    "systemd journal (journald.conf limits)",
                    "systemd 日志（按 journald.conf 限额）",
                )
            rows.append((plan.host.name, unit, where, rotation))
    headers = (
        say("Host", "主机"),
        say("Service", "服务"),
        say("Where", "位置"),
        say("Rotation", "轮转"),
    )
    return Table(headers, tuple(rows))


def health_urls(env: Environment, plans: list[HostPlan]) -> list[str]:
    urls = []
    path = env.product.health_path
    for plan in plans:
        nginx = port_of(plan, "nginx")
        if nginx is not None:
            urls.append(f"http://{plan.host.address}{'' if nginx == 80 else f':{nginx}'}{path}")
        tomcat = port_of(plan, "tomcat")
        if tomcat is not None:
            urls.append(f"http://{plan.host.address}:{tomcat}{path}")
    return urls


def _health(site: SiteRecords, plans: list[HostPlan], say: Say) -> tuple[Block, ...]:
    urls = health_urls(site.loaded.env, plans)
    if not urls:
        return (Paragraph(say.none),)
    return (
        Paragraph(
            say(
                "Each page answers with the release it runs; it must show {version}.",
                "以下页面返回正在运行的版本，应显示 {version}。",
                version=version(site),
            )
        ),
        Commands(tuple(f"curl -fsS {shlex.quote(url)}" for url in urls)),
    )


def _backup(env: Environment, say: Say) -> tuple[Block, ...]:
    database = env.database
    if database is None:
        return (Paragraph(say("The product has no database here.", "本环境无数据库。")),)
    user = shlex.quote(database.admin.user)
    lines = []
    if database.engine == "oracle":
        for schema in database.schemas:
            name = shlex.quote(schema.name)
            lines.append(
                f"expdp {user} schemas={name} directory=DATA_PUMP_DIR dumpfile={name}-%U.dmp "
                f"logfile={name}-exp.log"
            )
            lines.append(
                f"impdp {user} schemas={name} directory=DATA_PUMP_DIR dumpfile={name}-%U.dmp "
                f"logfile={name}-imp.log"
            )
    else:
        for schema in database.schemas:
            name = shlex.quote(schema.name)
            lines.append(
                f"mysqldump -u {user} -p --single-transaction --routines --triggers --events "
                f"--default-character-set={shlex.quote(schema.charset)} --databases {name} > "
                f"{name}-$(date +%F).sql"
            )
            lines.append(f"mysql -u {user} -p < {name}-YYYY-MM-DD.sql")
    where = say(
        "On {host}, as the {user} account (its password: {source}). Back up before every upgrade; "
        "restore only with the product stopped.",
        "在 {host} 上以 {user} 账号执行（密码来源：{source}）。每次升级前备份；恢复前先停止产品。",
        host=database.host,
        user=database.admin.user,
        source=where_from(database.admin.password, say),
    )
    return (Paragraph(where), Commands(tuple(lines)))


def _rollback(site: SiteRecords, spec_shown: str, say: Say) -> tuple[Block, ...]:
    spec = shlex.quote(spec_shown)
    blocks: list[Block] = [
        Paragraph(
            say(
                "deployer undoes a release in one command: the application release, its "
                "configuration and the database, in that order. Every apply wrote its rollback "
                "plan (rollback.md in its run folder) before it changed anything.",
                "deployer "
                "一条命令即可回退版本：依次恢复应用版本、配置和数据库。每次安装在改动之前都已写"
                "好回滚计划（运行目录中的 rollback.md）。",
            )
        ),
        Commands((f"deployer runs {spec}", f"deployer rollback {spec} --last")),
    ]
    live = site.live
    if live is not None:
        blocks.append(
            Paragraph(
                say(
                    "The release now live ({version}) came from run {run}; to undo exactly that "
                    "run:",
                    "当前版本（{version}）来自运行 {run}；精确撤销该运行：",
                    version=live.meta.product_version or "",
                    run=live.id,
                )
            )
        )
        blocks.append(
            Commands((f"deployer show {spec} {live.id}", f"deployer rollback {spec} {live.id}"))
        )
    return tuple(blocks)


def _after_restart(site: SiteRecords, plans: list[HostPlan], say: Say) -> list[str]:
    env = site.loaded.env
    items = [
        say(
            "The health page shows release {version} (see Health checks).",
            "健康检查页显示版本 {version}（见“健康检查”）。",
            version=version(site),
        ),
    ]
    for plan in plans:
        ports = ", ".join(str(entry.port) for entry in plan.listeners)
        items.append(
            say(
                "{host}: ports {ports} listen again (ss -ltn).",
                "{host}：端口 {ports} 恢复监听（ss -ltn）。",
                host=plan.host.name,
                ports=ports,
            )
        )
    for plan in plans:
        for unit in services_of(site, plan.host.name):
            items.append(
                say(
                    "{host}: {unit} is active and its log shows no new errors (journalctl -u "
                    "{unit} -n 100).",
                    "{host}：{unit} 处于 active 状态，日志无新错误（journalctl -u {unit} -n "
                    "100）。",
                    host=plan.host.name,
                    unit=unit,
                )
            )
    if env.database is not None:
        items.append(
            say(
                "The product reaches its database: the health page reports it reachable.",
                "产品可连接数据库：健康检查页显示数据库可达。",
            )
        )
    items.append(
        say(
            "No host drifted from what deployer installed: deployer drift SPEC.",
            "主机配置与 deployer 安装时一致：deployer drift SPEC。",
        )
    )
    return items
