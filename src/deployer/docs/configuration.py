"""《配置手册》, the configuration manual: per host every service, port, path, config file and
setting as installed; the database's schemas and accounts. Secrets are never shown, only
where they come from."""

from __future__ import annotations

from typing import Any, Literal

from deployer.docs.common import document, hosts_table, where_from
from deployer.docs.records import SiteRecords
from deployer.docs.site import HostPlan, host_plans
from deployer.docs.wording import Say
from deployer.report.document import Block, Document, Paragraph, Section, Table
from deployer.report.i18n import Lang
from deployer.spec.secrets import is_secret_setting, secret_reference
from deployer.spec.sources import TarballSource, tarball_of

NAME = "configuration-manual"


def configuration_manual(site: SiteRecords, lang: Lang) -> Document:
    say = Say(lang)
    env = site.loaded.env
    sections = [
        Section(say("Hosts", "主机清单"), (hosts_table(site, say), _access(site, say))),
        *(_host(site, plan, say) for plan in host_plans(env)),
        Section(say("Product settings", "产品配置"), _product(site, say)),
    ]
    if env.database is not None:
        sections.append(Section(say("Database", "数据库"), _database(site, say)))
    return document(site, say, NAME, say("Configuration manual", "配置手册"), sections)


def _access(site: SiteRecords, say: Say) -> Table:
    headers = (
        say("Host", "主机"),
        say("SSH login", "SSH 登录"),
        say("Through", "经由"),
        say("Authentication", "认证方式"),
    )
    rows = tuple(
        (
            host.name,
            f"{host.user}@{host.address}:{host.port}",
            host.via or say("direct", "直连"),
            host.auth.type,
        )
        for host in site.loaded.env.hosts
    )
    return Table(headers, rows)


def _host(site: SiteRecords, plan: HostPlan, say: Say) -> Section:
    env = site.loaded.env
    host = plan.host
    settings: list[tuple[str, str]] = []
    tomcat, jdk = env.middleware.tomcat, env.middleware.jdk
    for listener in plan.listeners:
        settings.append((listener.service, say("port {port}", "端口 {port}", port=listener.port)))
    if plan.server_name:
        settings.append(("nginx server_name", plan.server_name))
    if "app" in host.roles and tomcat is not None:
        settings.append(("Tomcat", f"{tomcat.version} ({_source(tomcat.source, say)})"))
        settings.append(("JVM", " ".join(plan.jvm_options) or say.none))
        settings.append((say("Context path", "访问路径"), env.product.context_path or "/"))
        settings.append((say("Health page", "健康检查页"), env.product.health_path))
        for name, value in env.product.context_parameters.items():
            settings.append((f"context-param {name}", shown_setting(name, value, say)))
    if "app" in host.roles and jdk is not None:
        settings.append(("JDK", f"{jdk.version} ({_source(jdk.source, say)})"))
    for name, value in sorted(host.overrides.product_config.items()):
        settings.append(
            (f"config {name} ({say('this host', '本机')})", shown_setting(name, value, say))
        )
    blocks: list[Block] = [
        Table((say("Setting", "配置项"), say("Value", "值")), tuple(settings)),
    ]
    found = site.managed(host.name)
    if found is None:
        blocks.append(
            Paragraph(say("No installation is recorded on this host.", "该主机无安装记录。"))
        )
    else:
        record, run = found
        blocks.append(
            Paragraph(
                say(
                    "Files deployer manages here, as run {run} left them:",
                    "由 deployer 管理的文件（依据运行 {run}）：",
                    run=run,
                )
            )
        )
        rows = []
        for role, state in sorted(record.roles.items()):
            for path, file in sorted(state.files.items()):
                owner = f"{file.owner}:{file.group}" if file.owner else ""
                rows.append(
                    (
                        path,
                        role,
                        owner,
                        file.mode,
                        file.sha256[:12] if file.exists else say("absent", "不存在"),
                    )
                )
        headers = (
            say("Path", "路径"),
            say("Role", "角色"),
            say("Owner", "属主"),
            say("Mode", "权限"),
            "SHA-256",
        )
        blocks.append(Table(headers, tuple(rows)))
    title = say(
        "Host {host} ({address})", "主机 {host}（{address}）", host=host.name, address=host.address
    )
    return Section(title, tuple(blocks))


def _product(site: SiteRecords, say: Say) -> tuple[Block, ...]:
    product = site.loaded.env.product
    rows = [
        (say("Release", "版本"), product.version),
        (say("Artifact", "发布包"), product.artifact),
        (say("Releases kept", "保留版本数"), str(product.keep_releases)),
    ]
    rows += [
        (f"config {name}", shown_setting(name, value, say))
        for name, value in sorted(product.config.items())
    ]
    return (Table((say("Setting", "配置项"), say("Value", "值")), tuple(rows)),)


def _database(site: SiteRecords, say: Say) -> tuple[Block, ...]:
    database = site.loaded.env.database
    assert database is not None
    server = Table(
        (say("Setting", "配置项"), say("Value", "值")),
        (
            (say("Engine", "类型"), f"{database.engine} {database.version}"),
            (say("Server", "服务器"), f"{database.host}:{database.effective_port}"),
            (say("Admin account", "管理账号"), database.admin.user),
            (say("Its password", "其密码"), where_from(database.admin.password, say)),
        ),
    )
    headers = (
        say("Schema", "模式"),
        say("Charset / collation", "字符集 / 排序规则"),
        say("Owner", "属主账号"),
        say("Owner's password", "属主密码"),
        say("Migrations", "迁移脚本目录"),
        say("Target version", "目标版本"),
    )
    rows = tuple(
        (
            schema.name,
            f"{schema.charset} / {schema.collation}",
            schema.owner.user if schema.owner else database.admin.user,
            where_from(schema.owner.password, say)
            if schema.owner
            else where_from(database.admin.password, say),
            schema.migrations or say.none,
            str(schema.target) if schema.target else say("latest", "最新"),
        )
        for schema in database.schemas
    )
    return (server, Table(headers, rows))


def _source(source: Literal["package"] | TarballSource, say: Say) -> str:
    tarball = tarball_of(source)
    if tarball is None:
        return say("the OS's package", "操作系统软件包")
    return say("vendor tarball {path}", "厂商压缩包 {path}", path=tarball)


def shown_setting(key: object, value: Any, say: Say) -> str:
    """A free-form setting as the manual shows it: a secret by where it comes from."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={shown_setting(k, item, say)}" for k, item in value.items())
    if isinstance(value, list):
        return ", ".join(shown_setting(key, item, say) for item in value)
    if is_secret_setting(key, value):
        ref = secret_reference(value) if isinstance(value, str) else None
        return where_from(ref, say) if ref else say("(secret, not shown)", "（密钥，不显示）")
    return str(value)
