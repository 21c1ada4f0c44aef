"""Oracle checks beyond the matrix's settings: what the database's text and deployer's own
work need, read over the admin connection.

* ``db.charset.unicode``: PASS for AL32UTF8 and UTF8; WARN for any other character set
  (ZHS16GBK, ZHS16CGB231280, ZHT16BIG5, US7ASCII, WE8ISO8859P1 ...), saying in plain words
  what is lost: text outside the set is replaced by '?' or mangled when stored, without an
  error. UNKNOWN when NLS_CHARACTERSET was not read. It is reported whether or not the
  matrix sets NLS_CHARACTERSET, and never blocks: the matrix's requirement stays ``db.charset``
  (FAIL when unmet, blocking), so a ZHS16GBK database under a matrix asking for AL32UTF8
  shows both, the FAIL that blocks and the WARN that says what it means. Under a matrix that
  accepts ZHS16GBK the WARN remains; a site that keeps the set knowingly records an acceptance.
* ``db.privileges`` (Oracle): the system privileges in ``SESSION_PRIVS``, which holds those of
  the enabled roles too; a role's name alone (DBA) proves nothing, as a role can be changed.
  The admin runs the migrations inside each schema (``ALTER SESSION SET CURRENT_SCHEMA``), so
  it needs the ANY privileges on the schema's objects; it reads the dictionary (``dba_users``,
  ``dba_objects``) to create schemas and grant on their objects. FAIL when one is missing.
* ``db.privileges.dbms_lock``: EXECUTE on SYS.DBMS_LOCK, which the migration lock calls and
  which is not granted to PUBLIC. FAIL when not granted, UNKNOWN when not read.
* ``db.password_expiry``: the DEFAULT profile's PASSWORD_LIFE_TIME, which the product's
  account gets: WARN unless UNLIMITED (the product stops logging in when it runs out).
* ``db.tablespace:<NAME>``: each schema's default tablespace has room: free extents plus what
  autoextensible datafiles may still grow by, against the matrix's db disk requirement (see
  ``tablespace_requirement``). WARN below it, FAIL when the tablespace does not exist, UNKNOWN
  when the dictionary views could not be read.
"""

from __future__ import annotations

from typing import NamedTuple

from deployer.checks.context import Msg, new_result
from deployer.checks.model import CheckResult, Status
from deployer.facts.database import DatabaseFacts
from deployer.spec.environment import Database
from deployer.spec.matrix import SupportMatrix

UNICODE = Msg("Database character set stores any text", "数据库字符集可存储任意文字")
PRIVILEGES = Msg("Admin account has the privileges deployer needs", "管理账号具备所需权限")
DBMS_LOCK = Msg(
    "Admin account may call DBMS_LOCK (the migration lock)",
    "管理账号可调用 DBMS_LOCK（迁移锁）",
)
EXPIRY = Msg("The product's database account does not expire", "产品的数据库账号密码不会过期")
TABLESPACE = Msg("Tablespace {name} has room for the schemas", "表空间 {name} 有足够空间")

UNICODE_CHARSETS = ("AL32UTF8", "UTF8")


class Repertoire(NamedTuple):
    """A character set's common name, and text outside it, in English and Chinese."""

    label: str
    lost: str
    lost_zh: str


_REPERTOIRES = {
    "ZHS16GBK": Repertoire(
        "GBK",
        "rare characters in names like 𠮷, emoji and many symbols",
        "姓名中的生僻字“𠮷”、表情符号及许多特殊符号",
    ),
    "ZHS16CGB231280": Repertoire(
        "GB2312",
        "many characters in names like 镕 and 𠮷, traditional characters and emoji",
        "许多姓名用字如“镕”“𠮷”、繁体字及表情符号",
    ),
    "ZHT16BIG5": Repertoire(
        "Big5", "many simplified characters, rare names and emoji", "许多简体字、生僻字及表情符号"
    ),
    "US7ASCII": Repertoire(
        "ASCII", "all Chinese text and accented letters", "所有中文及带重音的字母"
    ),
    "WE8ISO8859P1": Repertoire("Latin-1", "all Chinese text", "所有中文"),
    "WE8MSWIN1252": Repertoire("Windows-1252", "all Chinese text", "所有中文"),
}

#: Creating the schemas, their owners' accounts, and granting on the schemas' objects.
ORACLE_ACCOUNT_PRIVILEGES = (
    "CREATE SESSION", "CREATE USER", "ALTER USER", "GRANT ANY PRIVILEGE",
    "GRANT ANY OBJECT PRIVILEGE",
)  # fmt: skip
#: Running a schema's migrations (and their undo scripts) from the admin's session.
ORACLE_MIGRATION_PRIVILEGES = (
    "CREATE ANY TABLE", "ALTER ANY TABLE", "DROP ANY TABLE",
    "SELECT ANY TABLE", "INSERT ANY TABLE", "UPDATE ANY TABLE", "DELETE ANY TABLE",
    "CREATE ANY INDEX", "DROP ANY INDEX", "CREATE ANY VIEW", "DROP ANY VIEW",
    "CREATE ANY SEQUENCE", "DROP ANY SEQUENCE", "CREATE ANY PROCEDURE", "DROP ANY PROCEDURE",
    "CREATE ANY TRIGGER", "DROP ANY TRIGGER",
)  # fmt: skip
ORACLE_ADMIN_PRIVILEGES = ORACLE_ACCOUNT_PRIVILEGES + ORACLE_MIGRATION_PRIVILEGES
#: Reading dba_users, dba_objects ...: the system privilege, or the role that grants SELECT
#: on the views (object privileges, so not in SESSION_PRIVS).
DICTIONARY = "SELECT ANY DICTIONARY"
DICTIONARY_ROLE = "SELECT_CATALOG_ROLE"
#: Room a schema's tablespace needs when the matrix gives the db role no disk requirement.
MIN_TABLESPACE_FREE_MB = 1024


def server_checks(
    matrix: SupportMatrix, host: str, database: Database, db: DatabaseFacts
) -> list[CheckResult]:
    """The checks of a connected Oracle database besides version, settings and privileges."""
    return [
        unicode_check(host, db),
        dbms_lock_check(host, database, db),
        *tablespace_checks(matrix, host, database, db),
        *password_expiry_check(host, database, db),
    ]


def password_expiry_check(host: str, database: Database, db: DatabaseFacts) -> list[CheckResult]:
    """``db.password_expiry``: the product's accounts are created with the DEFAULT profile,
    whose passwords expire after 180 days on a database as installed; the product then stops
    logging in (ORA-28001) months after the go-live, at no one's hand."""
    users = [schema.owner.user for schema in database.schemas if schema.owner is not None]
    if not users:
        return []
    accounts = ", ".join(users)
    life = db.password_life_time
    required = "UNLIMITED for the product's account"
    if life is None:
        return [
            new_result(
                "db.password_expiry",
                Status.UNKNOWN,
                EXPIRY,
                db.not_read("password_life_time"),
                required,
                host=host,
            )
        ]
    unlimited = life.strip().upper() == "UNLIMITED"
    return [
        new_result(
            "db.password_expiry",
            Status.PASS if unlimited else Status.WARN,
            EXPIRY,
            "never expires (DEFAULT profile)"
            if unlimited
            else f"expires after {life} days (DEFAULT profile's PASSWORD_LIFE_TIME)",
            required,
            host=host,
            remediation=Msg(
                f"{accounts} will get the DEFAULT profile: the product stops logging in "
                f"(ORA-28001) {life} days after each password change. Ask the DBA for a "
                "profile with PASSWORD_LIFE_TIME UNLIMITED for it (ALTER USER ... PROFILE ...), "
                "or put the password change in the maintenance calendar.",
                f"{accounts} 将使用 DEFAULT 概要文件：每次改密码 {life} 天后产品将无法登录"
                "（ORA-28001）。请 DBA 为其指定 PASSWORD_LIFE_TIME 为 UNLIMITED 的概要文件"
                "（ALTER USER ... PROFILE ...），或将改密码列入运维计划。",
            ),
        )
    ]


def unicode_check(host: str, db: DatabaseFacts) -> CheckResult:
    charset = db.setting("NLS_CHARACTERSET")
    required = " or ".join(UNICODE_CHARSETS)
    if charset is None:
        observed = f"NLS_CHARACTERSET {db.not_read('settings')}"
        return new_result(
            "db.charset.unicode", Status.UNKNOWN, UNICODE, observed, required, host=host
        )
    name = charset.strip().upper()
    if name in UNICODE_CHARSETS:
        return new_result(
            "db.charset.unicode", Status.PASS, UNICODE, f"{name} (Unicode)", required, host=host
        )
    known = _REPERTOIRES.get(name)
    label = known.label if known else name
    lost = f"text outside {label}" + (f", such as {known.lost}," if known else "")
    lost_zh = f"{label} 以外的文字" + (f"（如{known.lost_zh}）" if known else "")
    return new_result(
        "db.charset.unicode",
        Status.WARN,
        UNICODE,
        f"{name} ({known.label + ', ' if known else ''}not Unicode): {lost} is silently "
        "replaced by '?' or mangled when stored",
        required,
        host=host,
        remediation=Msg(
            f"The database stores text as {label}: {lost} cannot be stored, and Oracle "
            "replaces it with '?' (or mangles it) without an error, so names and remarks "
            "come back changed. The character set is chosen when the database is created: "
            "create it with AL32UTF8, or migrate this one with Oracle Database Migration "
            "Assistant for Unicode (DMU).",
            f"数据库以 {label} 存储文字：{lost_zh}无法存储，Oracle 会将其替换为“?”"
            "（或变成乱码）且不报错，姓名、备注等读出时已被改变。字符集在建库时确定："
            "请以 AL32UTF8 建库，或使用 Oracle DMU（Database Migration Assistant for "
            "Unicode）迁移现有数据库。",
        ),
    )


def privileges_check(host: str, database: Database, db: DatabaseFacts) -> CheckResult:
    required = ", ".join((*ORACLE_ADMIN_PRIVILEGES, DICTIONARY))
    if not db.privileges:
        observed = db.not_read("privileges")
        return new_result(
            "db.privileges", Status.UNKNOWN, PRIVILEGES, observed, required, host=host
        )
    have = {p.strip().upper() for p in db.privileges}
    roles = {r.strip().upper() for r in db.roles}
    missing = [p for p in ORACLE_ADMIN_PRIVILEGES if p not in have]
    # Reading the tablespaces in this scan proves the dictionary is readable.
    if DICTIONARY not in have and DICTIONARY_ROLE not in roles and db.tablespaces is None:
        missing.append(f"{DICTIONARY} (or {DICTIONARY_ROLE})")
    if not missing:
        return new_result(
            "db.privileges", Status.PASS, PRIVILEGES, "all present", required, host=host
        )
    account = db.user or database.admin.user
    shown = ", ".join(missing)
    enabled = f" (roles enabled: {', '.join(sorted(roles))})" if roles else ""
    return new_result(
        "db.privileges",
        Status.FAIL,
        PRIVILEGES,
        f"missing: {shown}{enabled}",
        required,
        host=host,
        remediation=Msg(
            f"Grant {shown} to {account} (the DBA role holds them), or use an account that "
            "has them: deployer creates the schemas' users and runs their migrations in "
            "each schema from this account.",
            f"请为 {account} 授予 {shown}（DBA 角色包含这些权限），或改用具备这些权限的账号："
            "deployer 用该账号创建各 schema 的用户，并在各 schema 中执行迁移脚本。",
        ),
    )


def dbms_lock_check(host: str, database: Database, db: DatabaseFacts) -> CheckResult:
    required = "EXECUTE on SYS.DBMS_LOCK"
    account = db.user or database.admin.user
    if db.dbms_lock is None:
        observed = db.not_read("dbms_lock")
        return new_result(
            "db.privileges.dbms_lock", Status.UNKNOWN, DBMS_LOCK, observed, required, host=host
        )
    granted = db.dbms_lock
    return new_result(
        "db.privileges.dbms_lock",
        Status.PASS if granted else Status.FAIL,
        DBMS_LOCK,
        "granted" if granted else "not granted (to the account, its roles or PUBLIC)",
        required,
        host=host,
        remediation=Msg(
            f"As SYS: GRANT EXECUTE ON SYS.DBMS_LOCK TO {account}; deployer takes its "
            "migration lock with DBMS_LOCK, which Oracle does not grant to PUBLIC.",
            f"请以 SYS 执行：GRANT EXECUTE ON SYS.DBMS_LOCK TO {account}；deployer 用 "
            "DBMS_LOCK 加迁移锁，Oracle 默认不向 PUBLIC 授予该包。",
        ),
    )


def tablespace_requirement(matrix: SupportMatrix) -> tuple[float, str]:
    """(MB, where it comes from): the db role's disk requirement is the room the product's
    data needs, which on Oracle is in its tablespaces. An entry whose path names Oracle's
    files fits best; else the largest; without one, ``MIN_TABLESPACE_FREE_MB``."""
    resources = matrix.resources.get("db")
    disks = resources.disk if resources else []
    if not disks:
        return float(MIN_TABLESPACE_FREE_MB), "deployer's minimum"
    oracle = [d for d in disks if "oracle" in d.path.lower() or "oradata" in d.path.lower()]
    chosen = max(oracle or disks, key=lambda d: d.free_gb)
    return chosen.free_gb * 1024, f"the matrix's db disk requirement for {chosen.path}"


def tablespace_checks(
    matrix: SupportMatrix, host: str, database: Database, db: DatabaseFacts
) -> list[CheckResult]:
    need_mb, source = tablespace_requirement(matrix)
    account = db.user or database.admin.user
    return [
        _tablespace_check(
            host, name, ", ".join(schemas), db, need_mb=need_mb, source=source, account=account
        )
        for name, schemas in _schemas_by_tablespace(database).items()
    ]


def _schemas_by_tablespace(database: Database) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for schema in database.schemas:
        found.setdefault(schema.oracle_tablespace, []).append(schema.name.upper())
    return found


def _tablespace_check(
    host: str,
    name: str,
    users: str,
    db: DatabaseFacts,
    *,
    need_mb: float,
    source: str,
    account: str,
) -> CheckResult:
    check_id = f"db.tablespace:{name}"
    title = Msg(TABLESPACE.en.format(name=name), TABLESPACE.zh.format(name=name))
    need = f"{need_mb:,.0f} MB"
    required = f">= {need} free ({source})"
    if db.tablespaces is None:
        return new_result(
            check_id,
            Status.UNKNOWN,
            title,
            db.not_read("tablespaces"),
            required,
            host=host,
            remediation=Msg(
                f"Grant SELECT_CATALOG_ROLE to {account} so that deployer can read "
                f"DBA_DATA_FILES and DBA_FREE_SPACE, or have the DBA confirm {need} free in "
                f"{name}.",
                f"请为 {account} 授予 SELECT_CATALOG_ROLE，以便读取 DBA_DATA_FILES 和 "
                f"DBA_FREE_SPACE；或请 DBA 确认 {name} 有 {need} 可用空间。",
            ),
        )
    space = db.tablespaces.get(name)
    if space is None:
        return new_result(
            check_id,
            Status.FAIL,
            title,
            f"no tablespace {name} in the database (the default tablespace of {users})",
            required,
            host=host,
            remediation=Msg(
                f"Create tablespace {name}, or set the schemas' tablespace in the spec to one "
                "that exists: creating their users fails with ORA-00959.",
                f"请创建表空间 {name}，或在规格文件中将这些 schema 的 tablespace 改为已存在的"
                "表空间：否则创建用户时会报 ORA-00959。",
            ),
        )
    return new_result(
        check_id,
        Status.PASS if space.available_mb >= need_mb else Status.WARN,
        title,
        f"{space.available_mb:,.0f} MB ({space.free_mb:,.0f} MB free + "
        f"{space.autoextend_mb:,.0f} MB autoextend) for {users}",
        required,
        host=host,
        remediation=Msg(
            f"Ask the DBA to add room to {name} (ALTER TABLESPACE {name} ADD DATAFILE ... "
            "AUTOEXTEND ON), or put the schemas in a tablespace that has it: inserts fail "
            "with ORA-01653 when it is full.",
            f"请 DBA 为 {name} 增加空间（ALTER TABLESPACE {name} ADD DATAFILE ... "
            "AUTOEXTEND ON），或将 schema 放到空间充足的表空间：表空间满时插入会报 ORA-01653。",
        ),
    )
