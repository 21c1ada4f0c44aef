"""What the spec asks the roles to install, against what the host's release packages.

Before anything is installed: a spec asking for JDK 17 on Debian 13, which packages 21 and 25,
would otherwise fail half-way through an apply. The release comes from the probe's
os-release (``facts.platform``), what it packages from ``checks.releases``.

* ``release.jdk``, ``release.tomcat`` (app role): the spec's middleware.jdk/tomcat version is
  packaged by the release: PASS naming the package, FAIL with the versions it does package.
  Not checked for middleware that comes from a tarball (middleware.<name>.source).
* ``release.database`` (the database host, MySQL or MariaDB that deployer installs): the
  spec's engine and version are packaged: PASS or FAIL likewise.
* ``release.nginx`` (web role): the release's nginx is in the matrix's range: PASS, or WARN
  (the spec names no nginx version; a newer one may come from elsewhere).

A host whose release deployer has no catalog entry for gets UNKNOWN, which blocks nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from deployer.checks import versions
from deployer.checks.context import HostContext, Msg
from deployer.checks.model import CheckResult, Status
from deployer.checks.releases import Offer, Packaged, find, offer_of
from deployer.facts.platform import platform_of
from deployer.spec.environment import Database
from deployer.spec.sources import tarball_of

JDK = Msg("The OS packages the JDK in the spec", "操作系统提供规格文件要求的 JDK 软件包")
TOMCAT = Msg("The OS packages the Tomcat in the spec", "操作系统提供规格文件要求的 Tomcat 软件包")
DATABASE = Msg(
    "The OS packages the database server in the spec", "操作系统提供规格文件要求的数据库软件包"
)
NGINX = Msg("The OS packages a supported nginx", "操作系统提供的 nginx 在支持范围内")
_ENGINE_NAMES = {"mariadb": "MariaDB", "mysql": "MySQL"}

#: Judges a host's release and what it packages.
Judge = Callable[[str, Offer], CheckResult]


@dataclass(frozen=True)
class Middleware:
    name: str
    key: str  # its section of the spec: middleware.<key>
    title: Msg
    offers: Callable[[Offer], tuple[Packaged, ...]]


JDK_PACKAGES = Middleware("JDK", "jdk", JDK, lambda offer: offer.jdk)
TOMCAT_PACKAGES = Middleware("Tomcat", "tomcat", TOMCAT, lambda offer: offer.tomcat)


def check(ctx: HostContext) -> list[CheckResult]:
    asked = _asked(ctx)
    if not asked:
        return []
    release, offer = _release(ctx)
    return [
        _unknown(ctx, check_id, title, release) if offer is None else judge(release, offer)
        for check_id, title, judge in asked
    ]


def _asked(ctx: HostContext) -> list[tuple[str, Msg, Judge]]:
    """The checks that apply to this host, by what its roles install from packages (a
    tarball's middleware is no release's business)."""
    middleware, database = ctx.env.middleware, ctx.env.database
    asked: list[tuple[str, Msg, Judge]] = []
    jdk, tomcat = middleware.jdk, middleware.tomcat
    if ctx.has("app") and jdk is not None and tarball_of(jdk.source) is None:
        asked.append(("release.jdk", JDK, partial(_middleware, ctx, JDK_PACKAGES, jdk.version)))
    if ctx.has("app") and tomcat is not None and tarball_of(tomcat.source) is None:
        judge = partial(_middleware, ctx, TOMCAT_PACKAGES, tomcat.version)
        asked.append(("release.tomcat", TOMCAT, judge))
    if ctx.is_db_host and database is not None and database.engine in _ENGINE_NAMES:
        asked.append(("release.database", DATABASE, partial(_database, ctx, database)))
    if ctx.has("web") and middleware.nginx is not None:
        asked.append(("release.nginx", NGINX, partial(_nginx, ctx)))
    return asked


def _release(ctx: HostContext) -> tuple[str, Offer | None]:
    """The host's release key ("" when the OS is none deployer knows) and its offer."""
    os_release = ctx.facts.os
    platform = None if os_release is None else platform_of(os_release)
    if platform is None:
        return "", None
    return platform.release, offer_of(platform.release)


def _unknown(ctx: HostContext, check_id: str, title: Msg, release: str) -> CheckResult:
    if ctx.facts.os is None:
        return ctx.unknown(check_id, title, "os.release", "a release deployer knows")
    what = release or f"{ctx.facts.os.id} {ctx.facts.os.version_id or ''}".strip()
    return ctx.result(
        check_id,
        Status.UNKNOWN,
        title,
        f"{what}: deployer does not know what this OS packages",
        "a release deployer knows",
        remediation=Msg(
            f"Confirm by hand that the OS of {ctx.name} packages what the spec asks for, or "
            "install it from a tarball (middleware.<name>.source).",
            f"请手工确认 {ctx.name} 的操作系统提供规格文件要求的软件包，"
            "或改用压缩包安装（middleware.<name>.source）。",
        ),
    )


def _middleware(
    ctx: HostContext, part: Middleware, wanted: str, release: str, offer: Offer
) -> CheckResult:
    name, key, offers = part.name, part.key, part.offers(offer)
    check_id, required = f"release.{key}", f"{name} {wanted} (middleware.{key}.version)"
    found = find(offers, wanted)
    if found is not None:
        observed = f"{release} packages {name} {found.version}: {found.package}"
        return ctx.result(check_id, Status.PASS, part.title, observed, required)
    tarball = f"install from a tarball (middleware.{key}.source)"
    tarball_zh = f"改用压缩包安装（middleware.{key}.source）"
    if not offers:
        return ctx.result(
            check_id,
            Status.FAIL,
            part.title,
            f"{release} packages no {name}",
            required,
            remediation=Msg(
                f"{release} packages no {name} deployer installs: {tarball}.",
                f"{release} 未提供可安装的 {name}：请{tarball_zh}。",
            ),
        )
    offered = ", ".join(line.version for line in offers)
    return ctx.result(
        check_id,
        Status.FAIL,
        part.title,
        f"{release} packages {name} {offered}",
        required,
        remediation=Msg(
            f"{name} {wanted} is not in {release}; it offers {offered}: set "
            f"middleware.{key}.version, or {tarball}.",
            f"{release} 未提供 {name} {wanted}（可用版本：{offered}）：请修改 "
            f"middleware.{key}.version，或{tarball_zh}。",
        ),
    )


def _database(ctx: HostContext, database: Database, release: str, offer: Offer) -> CheckResult:
    engine = _ENGINE_NAMES[database.engine]
    required = f"{engine} {database.version} (database.engine, database.version)"
    packaged = offer.databases.get(database.engine)
    if packaged is not None and find((packaged,), database.version) is not None:
        observed = f"{release} packages {engine} {packaged.version}: {packaged.package}"
        return ctx.result("release.database", Status.PASS, DATABASE, observed, required)
    offered = (
        ", ".join(f"{_ENGINE_NAMES[e]} {p.version}" for e, p in offer.databases.items())
        or "no database server deployer installs"
    )
    return ctx.result(
        "release.database",
        Status.FAIL,
        DATABASE,
        f"{release} packages {offered}",
        required,
        remediation=Msg(
            f"{engine} {database.version} is not in {release}; it offers {offered}: set "
            "database.engine and database.version to what it offers, or put the database "
            "on a host whose OS packages it.",
            f"{release} 未提供 {engine} {database.version}（可用：{offered}）：请修改 "
            "database.engine 和 database.version，或将数据库放到提供该版本的主机上。",
        ),
    )


def _nginx(ctx: HostContext, release: str, offer: Offer) -> CheckResult:
    allowed = ctx.matrix.nginx if isinstance(ctx.matrix.nginx, str) else None
    required = f"nginx {allowed}" if allowed else "nginx"
    packaged = offer.nginx
    if packaged is None:
        return _unknown(ctx, "release.nginx", NGINX, release)
    observed = f"{release} packages nginx {packaged.version}: {packaged.package}"
    if allowed is None or versions.matches(packaged.version, allowed):
        return ctx.result("release.nginx", Status.PASS, NGINX, observed, required)
    return ctx.result(
        "release.nginx",
        Status.WARN,
        NGINX,
        observed,
        required,
        remediation=Msg(
            f"The nginx {release} installs by default is outside {allowed}: make a newer one "
            f"available on {ctx.name} (a newer module stream or repository) before applying.",
            f"{release} 默认安装的 nginx 不在 {allowed} 范围内：请在应用前为 {ctx.name} "
            "提供更新的 nginx（更新的模块流或软件源）。",
        ),
    )
