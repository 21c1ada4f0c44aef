"""Database checks: the spec's engine and version, and the live server's version and settings.

* ``spec.database.version``: the engine is in the matrix and the spec's version in its range.
* ``db.connect``: UNKNOWN when no connection was made (no credentials, or the server is not
  installed yet): the other ``db.*`` checks need one, so they are left out then.
* ``db.engine``, ``db.version``: what the server says it is.
* ``db.charset``, ``db.collation``, ``db.lower_case_table_names``, ``db.nchar_charset`` and
  ``db.setting:<name>``: the matrix's ``database_settings`` for the engine.
* ``db.privileges``: the admin account can create schemas and users and grant to them.
* Oracle: ``db.charset.unicode``, ``db.privileges.dbms_lock``, ``db.tablespace:<NAME>``, and
  what ``db.privileges`` asks of an Oracle account: see ``checks.oracle``.
* ``db.server.version`` (db role, from the probe): a server already installed on the host.
"""

from __future__ import annotations

import re

from deployer.checks import fixup, oracle, versions
from deployer.checks.context import HostContext, Msg, new_result
from deployer.checks.dbsettings import requirement, satisfied
from deployer.checks.model import CheckResult, Status
from deployer.facts.database import DatabaseFacts
from deployer.spec.environment import Database, Engine, Environment
from deployer.spec.matrix import SupportMatrix

SPEC = Msg(
    "Database engine and version in the spec are supported",
    "规格文件中的数据库类型和版本在支持范围内",
)
CONNECT = Msg("Database server answers", "数据库可连接")
ENGINE = Msg("Database engine is the one in the spec", "数据库类型与规格文件一致")
VERSION = Msg("Database version is supported", "数据库版本在支持范围内")
SETTING = Msg("Database setting {name} is as required", "数据库参数 {name} 符合要求")
PRIVILEGES = Msg("Admin account has the privileges deployer needs", "管理账号具备所需权限")
INSTALLED = Msg(
    "Database server installed on the host is supported", "主机上已安装的数据库在支持范围内"
)

CHECK_IDS = {
    "character_set_server": "db.charset",
    "collation_server": "db.collation",
    "lower_case_table_names": "db.lower_case_table_names",
    "nls_characterset": "db.charset",
    "nls_nchar_characterset": "db.nchar_charset",
}
#: What the admin account needs to create the schemas, their owners, and grant to them.
MYSQL_ADMIN_PRIVILEGES = (
    "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "INDEX",
    "REFERENCES", "CREATE USER", "GRANT OPTION",
)  # fmt: skip
_GRANT = re.compile(r"^GRANT\s+(?P<privs>.+?)\s+ON\s+(?P<on>\S+)\s+TO\s", re.IGNORECASE)
_ROLE_GRANT = re.compile(r"^GRANT\s+[`'\"][^`'\"]+[`'\"](@[`'\"][^`'\"]*[`'\"])?\s+TO\s", re.I)


def allowed_range(matrix: SupportMatrix, engine: Engine) -> str | None:
    value = getattr(matrix.databases, engine)
    return value if isinstance(value, str) else None


def spec_checks(env: Environment, matrix: SupportMatrix, host: str) -> list[CheckResult]:
    database = env.database
    if database is None:
        return []
    allowed = allowed_range(matrix, database.engine)
    observed = f"{database.engine} {database.version}"
    supported = [e for e in ("mysql", "mariadb", "oracle") if allowed_range(matrix, e)]
    ok = allowed is not None and versions.in_range(database.version, allowed, database.engine)
    return [
        new_result(
            "spec.database.version",
            Status.PASS if ok else Status.FAIL,
            SPEC,
            observed,
            f"{database.engine} {allowed}" if allowed else f"one of: {', '.join(supported)}",
            host=host,
            remediation=Msg(
                "Set database.engine and database.version in the spec to a supported pair.",
                "请将规格文件中的 database.engine 和 database.version 改为受支持的组合。",
            ),
        )
    ]


def connection_checks(
    env: Environment,
    matrix: SupportMatrix,
    host: str,
    db: DatabaseFacts | None,
    db_error: str | None,
) -> list[CheckResult]:
    database = env.database
    if database is None:
        return []
    where = f"{database.host}:{database.effective_port}"
    if db is None:
        reason = db_error or "no connection attempted (no credentials given)"
        return [
            new_result(
                "db.connect",
                Status.UNKNOWN,
                CONNECT,
                f"not connected: {reason}",
                f"{database.engine} at {where}",
                host=host,
                remediation=Msg(
                    "Give the admin credentials (or install the server first) and run the "
                    "check again to verify the database's version and settings.",
                    "请提供管理员账号（或先安装数据库）后重新检查，以核对数据库版本和参数。",
                ),
            )
        ]
    via = " through an SSH tunnel" if db.via_tunnel else ""
    connected = f"connected as {db.user or '?'} to {db.address or where}{via}"
    results = [new_result("db.connect", Status.PASS, CONNECT, connected, where, host=host)]
    results += _engine_and_version(matrix, host, database, db)
    results += _settings(matrix, host, database, db)
    if database.engine == "oracle":
        results.append(oracle.privileges_check(host, database, db))
        results += oracle.server_checks(matrix, host, database, db)
    else:
        results.append(_privileges(host, database, db))
    return results


def observed_engine(db: DatabaseFacts) -> Engine:
    if db.engine == "oracle":
        return "oracle"
    return "mariadb" if "mariadb" in db.version.lower() else "mysql"


def _engine_and_version(
    matrix: SupportMatrix, host: str, database: Database, db: DatabaseFacts
) -> list[CheckResult]:
    engine = observed_engine(db)
    if engine != database.engine:
        return [
            new_result(
                "db.engine",
                Status.FAIL,
                ENGINE,
                f"{engine} ({db.version})",
                database.engine,
                host=host,
                remediation=Msg(
                    f"Point the spec at a {database.engine} server, or set database.engine "
                    f"to {engine} if the matrix supports it.",
                    f"请让规格文件指向 {database.engine} 数据库，或在矩阵支持时将 "
                    f"database.engine 改为 {engine}。",
                ),
            )
        ]
    results = [new_result("db.engine", Status.PASS, ENGINE, engine, database.engine, host=host)]
    allowed = allowed_range(matrix, engine)
    if allowed is None:
        return results  # spec.database.version already fails for an unsupported engine
    if not db.version:
        observed = db.not_read("version")
        required = f"{engine} {allowed}"
        results.append(
            new_result("db.version", Status.UNKNOWN, VERSION, observed, required, host=host)
        )
        return results
    ok = versions.in_range(db.version, allowed, engine)
    results.append(
        new_result(
            "db.version",
            Status.PASS if ok else Status.FAIL,
            VERSION,
            db.version,
            f"{engine} {allowed}",
            host=host,
            remediation=Msg(
                f"Upgrade the {engine} server to a version in {allowed}.",
                f"请将 {engine} 数据库升级到 {allowed} 范围内的版本。",
            ),
        )
    )
    return results


def _settings(
    matrix: SupportMatrix, host: str, database: Database, db: DatabaseFacts
) -> list[CheckResult]:
    wanted = getattr(matrix.database_settings, database.engine)
    results = []
    for name, value in wanted.items():
        check_id = CHECK_IDS.get(name.lower(), f"db.setting:{name}")
        title = Msg(SETTING.en.format(name=name), SETTING.zh.format(name=name))
        need = requirement(value)
        observed = db.setting(name)
        if observed is None:
            shown = db.not_read("settings")
            results.append(new_result(check_id, Status.UNKNOWN, title, shown, str(need), host=host))
            continue
        try:
            ok = satisfied(observed, value)
        except ValueError:
            ok = False
        status = Status.PASS if ok else Status.FAIL
        fix = _setting_fix(database.engine, name, need.fix_value)
        results.append(
            new_result(
                check_id,
                status,
                title,
                observed,
                str(need),
                host=host,
                remediation=fix[0],
                fixup=fix[1],
            )
        )
    return results


def _setting_fix(engine: Engine, name: str, value: str | None) -> tuple[Msg, tuple[str, ...]]:
    if engine == "oracle":
        if name.lower() in ("nls_characterset", "nls_nchar_characterset"):
            return (
                Msg(
                    f"{name} is fixed when the database is created: create it with {value}, "
                    "or migrate it (Oracle DMU).",
                    f"{name} 在建库时确定：请以 {value} 重新建库，或使用 Oracle DMU 迁移。",
                ),
                (),
            )
        return (
            Msg(f"Ask the DBA to set {name} to {value}.", f"请 DBA 将 {name} 设为 {value}。"),
            (),
        )
    target = value if value is not None else "a value the matrix accepts"
    remediation = Msg(
        f"Set {name} = {target} under [mysqld] in the server's configuration and restart it.",
        f"请在数据库配置文件的 [mysqld] 段设置 {name} = {target} 并重启数据库。",
    )
    if name == "lower_case_table_names":
        remediation = Msg(
            remediation.en + " MySQL 8 accepts it only when initialising an empty data directory.",
            remediation.zh + " MySQL 8 只能在初始化空数据目录时设置该参数。",
        )
    return remediation, fixup.mycnf_setting(name, value) if value is not None else ()


def mysql_privileges(grants: tuple[str, ...]) -> tuple[set[str], bool]:
    """Global privileges (on *.*) in SHOW GRANTS lines, and whether roles were granted."""
    found: set[str] = set()
    has_roles = False
    for line in grants:
        match = _GRANT.match(line.strip())
        if match is None:
            has_roles = has_roles or bool(_ROLE_GRANT.match(line.strip()))
            continue
        if match.group("on").replace("`", "") != "*.*":
            continue
        privileges = {p.strip().upper() for p in match.group("privs").split(",")}
        if privileges & {"ALL", "ALL PRIVILEGES"}:
            privileges |= set(MYSQL_ADMIN_PRIVILEGES) - {"GRANT OPTION"}
        if re.search(r"\bWITH\s+GRANT\s+OPTION\b", line, re.IGNORECASE):
            privileges.add("GRANT OPTION")
        found |= privileges
    return found, has_roles


def _privileges(host: str, database: Database, db: DatabaseFacts) -> CheckResult:
    """MySQL/MariaDB: global privileges in SHOW GRANTS (Oracle's are in checks.oracle)."""
    required = ", ".join(MYSQL_ADMIN_PRIVILEGES)
    if not db.privileges:
        return new_result(
            "db.privileges", Status.UNKNOWN, PRIVILEGES, "not reported", required, host=host
        )
    have, has_roles = mysql_privileges(db.privileges)
    missing = [p for p in MYSQL_ADMIN_PRIVILEGES if p not in have]
    account = db.user or database.admin.user
    if not missing:
        return new_result(
            "db.privileges", Status.PASS, PRIVILEGES, "all present", required, host=host
        )
    return new_result(
        "db.privileges",
        Status.WARN if has_roles else Status.FAIL,
        PRIVILEGES,
        f"missing: {', '.join(missing)}"
        + (" (roles granted: they may hold them)" if has_roles else ""),
        required,
        host=host,
        remediation=Msg(
            f"Grant {', '.join(missing)} to {account}, or use an account that has them.",
            f"请为 {account} 授予 {', '.join(missing)}，或改用具备这些权限的账号。",
        ),
    )


def installed_check(ctx: HostContext) -> list[CheckResult]:
    """``db.server.version``: a server already on the db host, compared with the matrix."""
    database = ctx.env.database
    if database is None or not ctx.has("db") or not ctx.is_db_host:
        return []
    allowed = allowed_range(ctx.matrix, database.engine)
    required = f"{database.engine} {allowed or '(not in the matrix)'}"
    if database.engine == "oracle":
        oracle = ctx.facts.oracle
        if oracle is None:
            return [ctx.unknown("db.server.version", INSTALLED, "oracle.home", required)]
        found = [("oracle", h.version or "?", h.home) for h in oracle.homes]
    else:
        if ctx.facts.mysql_servers is None:
            return [ctx.unknown("db.server.version", INSTALLED, "mysql.server", required)]
        found = [(s.engine, s.version, s.binary) for s in ctx.facts.mysql_servers]
    if not found:
        return [ctx.result("db.server.version", Status.PASS, INSTALLED, "none installed", required)]
    observed = "; ".join(f"{engine} {version} ({where})" for engine, version, where in found)
    bad = [
        where
        for engine, version, where in found
        if engine != database.engine
        or allowed is None
        or not versions.in_range(version, allowed, engine)
    ]
    status = Status.WARN if bad else Status.PASS
    return [
        ctx.result(
            "db.server.version",
            status,
            INSTALLED,
            observed,
            required,
            remediation=Msg(
                f"A database server other than {required} is installed on {ctx.name} "
                f"({'; '.join(bad)}): make sure the spec points at the right one.",
                f"{ctx.name} 上安装的数据库不是 {required}（{'；'.join(bad)}）："
                "请确认规格文件指向正确的数据库。",
            ),
        )
    ]
