"""The Oracle database checks over what recorded servers answered (tests/fixtures/oracle):
an 11.2.0.4 created with ZHS16GBK whose admin is a DBA without DBMS_LOCK, and a 19c with
AL32UTF8 and a dedicated admin account. The facts come from the real queries through the
recorded cursor, so a check here also proves the question was asked."""

from __future__ import annotations

from typing import Any

import pytest

from deployer.checks import database
from deployer.checks.model import CheckResult, Status
from deployer.checks.oracle import MIN_TABLESPACE_FREE_MB, tablespace_requirement
from deployer.facts.database import DatabaseFacts
from deployer.facts.dbquery import oracle_parameters, query_oracle
from deployer.spec.environment import Environment
from deployer.spec.matrix import DatabaseSettings, SupportMatrix
from tests.support.oracle_responses import RecordedServer, oracle_example

REFUSED = "ORA-00942: table or view does not exist"
OWNER = {"user": "erp_app", "password": "${env:HUADONG_DB_APP_PASSWORD}"}


def scan(
    case: str,
    *overrides: dict[str, Any],
    env: tuple[Environment, SupportMatrix] | None = None,
) -> dict[str, CheckResult]:
    """The db checks of db1 for the recorded ``case``, by check id."""
    spec, matrix = env or oracle_example()
    assert spec.database is not None
    server = RecordedServer(case, overrides)
    facts = query_oracle(spec.database, server, "10.20.30.21:1521", oracle_parameters(matrix))
    results = database.connection_checks(spec, matrix, "db1", facts, None)
    by_id = {r.check_id: r for r in results}
    assert len(by_id) == len(results), "a check id reported twice"
    return by_id


def statuses(results: dict[str, CheckResult]) -> dict[str, str]:
    return {check_id: r.status.value for check_id, r in results.items()}


def test_zhs16gbk_11g_warns_what_the_character_set_means_beside_the_matrix_fail() -> None:
    results = scan("zhs16gbk-11g")
    assert statuses(results) == {
        "db.connect": "PASS",
        "db.engine": "PASS",
        "db.version": "PASS",
        "db.charset": "FAIL",  # the sample matrix asks for AL32UTF8
        "db.privileges": "PASS",
        "db.charset.unicode": "WARN",
        "db.privileges.dbms_lock": "FAIL",
        "db.tablespace:USERS": "WARN",
        "db.password_expiry": "WARN",
    }
    assert "11.2.0.4.0" in results["db.version"].observed
    unicode = results["db.charset.unicode"]
    assert not unicode.blocking
    assert unicode.observed.startswith("ZHS16GBK (GBK, not Unicode)")
    for text in ("𠮷", "emoji", "'?'", "silently"):
        assert text in unicode.observed, text
    assert "AL32UTF8" in unicode.remediation and "DMU" in unicode.remediation
    assert "without an error" in unicode.remediation
    for text in ("𠮷", "表情符号", "“?”", "AL32UTF8", "DMU", "建库"):
        assert text in unicode.remediation_zh, text


def test_the_unicode_warning_stands_when_the_matrix_asks_nothing_of_the_charset() -> None:
    env, matrix = oracle_example()
    bare = matrix.model_copy(update={"database_settings": DatabaseSettings()})
    results = scan("zhs16gbk-11g", env=(env, bare))
    assert "db.charset" not in results
    assert results["db.charset.unicode"].status is Status.WARN


@pytest.mark.parametrize(
    ("charset", "words"),
    [
        ("ZHS16CGB231280", ["GB2312", "镕"]),
        ("ZHT16BIG5", ["Big5", "simplified"]),
        ("US7ASCII", ["ASCII", "all Chinese text"]),
        ("WE8ISO8859P1", ["Latin-1", "all Chinese text"]),
        ("WE8DEC", ["text outside WE8DEC"]),
    ],
)
def test_every_non_unicode_character_set_warns_in_plain_words(
    charset: str, words: list[str]
) -> None:
    results = scan("zhs16gbk-11g", {"sql": "nls_database_parameters", "keyed": True,
                                    "rows": [["NLS_CHARACTERSET", charset]]})  # fmt: skip
    unicode = results["db.charset.unicode"]
    assert unicode.status is Status.WARN
    assert all(word in unicode.observed for word in words), unicode.observed
    assert "'?'" in unicode.observed and "DMU" in unicode.remediation


@pytest.mark.parametrize("charset", ["AL32UTF8", "UTF8"])
def test_unicode_character_sets_pass(charset: str) -> None:
    results = scan("al32utf8-19c", {"sql": "nls_database_parameters", "keyed": True,
                                    "rows": [["NLS_CHARACTERSET", charset]]})  # fmt: skip
    assert results["db.charset.unicode"].status is Status.PASS


def test_al32utf8_19c_with_a_dedicated_admin_passes_everything() -> None:
    results = scan("al32utf8-19c")
    assert set(statuses(results).values()) == {"PASS"}, statuses(results)
    assert results["db.version"].observed == "19.3.0.0.0"
    assert results["db.charset.unicode"].observed == "AL32UTF8 (Unicode)"
    assert results["db.tablespace:USERS"].observed.startswith("32,767 MB (4 MB free + 32,763 MB")


def test_nls_settings_the_matrix_names_are_compared() -> None:
    settings = {
        "NLS_CHARACTERSET": "AL32UTF8",
        "nls_length_semantics": "CHAR",  # as a matrix may spell it
        "NLS_DATE_FORMAT": "DD-MON-RR",
        "open_cursors": ">=500",
    }
    env = oracle_example(matrix_patch={"database_settings": {"oracle": settings}})
    results = scan("al32utf8-19c", env=env)
    length = results["db.setting:nls_length_semantics"]
    assert (length.status, length.observed, length.required) == (Status.FAIL, "BYTE", "CHAR")
    assert "DBA" in length.remediation
    assert results["db.setting:NLS_DATE_FORMAT"].status is Status.PASS
    cursors = results["db.setting:open_cursors"]
    assert (cursors.status, cursors.observed) == (Status.FAIL, "300")


def test_a_setting_a_refused_view_hides_is_unknown_with_the_reason() -> None:
    env = oracle_example(matrix_patch={"database_settings": {"oracle": {"open_cursors": 300}}})
    results = scan("al32utf8-19c", {"sql": "v\\$parameter", "error": REFUSED}, env=env)
    cursors = results["db.setting:open_cursors"]
    assert cursors.status is Status.UNKNOWN and not cursors.blocking
    assert cursors.observed == f"not reported: {REFUSED}"
    assert results["db.charset"].status is Status.PASS


def test_a_version_nothing_reports_is_unknown_not_a_fail() -> None:
    results = scan(
        "al32utf8-19c",
        {"sql": "v\\$instance|v\\$version|product_component_version", "error": REFUSED},
    )
    version = results["db.version"]
    assert version.status is Status.UNKNOWN and REFUSED in version.observed


def test_a_refused_dba_view_makes_the_tablespace_unknown_and_the_scan_goes_on() -> None:
    results = scan(
        "al32utf8-19c",
        {"sql": "dba_data_files|dba_free_space", "error": REFUSED},
        {"sql": "session_roles", "rows": []},
    )
    space = results["db.tablespace:USERS"]
    assert space.status is Status.UNKNOWN and not space.blocking
    assert space.observed == f"not reported: {REFUSED}"
    assert "SELECT_CATALOG_ROLE" in space.remediation and "DBA_FREE_SPACE" in space.remediation
    # Without the view, nor the role or privilege that opens the dictionary, deployer cannot
    # look up users and objects when it creates the schemas.
    privileges = results["db.privileges"]
    assert privileges.status is Status.FAIL
    assert privileges.observed == "missing: SELECT ANY DICTIONARY (or SELECT_CATALOG_ROLE)"
    assert results["db.charset.unicode"].status is Status.PASS
    assert results["db.privileges.dbms_lock"].status is Status.PASS


def test_a_small_tablespace_warns_against_the_matrix_db_disk_requirement() -> None:
    space = scan("zhs16gbk-11g")["db.tablespace:USERS"]
    assert space.status is Status.WARN and not space.blocking
    assert space.observed == "36 MB (36 MB free + 0 MB autoextend) for ERP"
    assert space.required == ">= 10,240 MB free (the matrix's db disk requirement for /var/lib)"
    assert "ADD DATAFILE" in space.remediation and "ORA-01653" in space.remediation


def test_a_tablespace_that_does_not_exist_fails() -> None:
    schemas = [{"name": "erp", "owner": OWNER, "tablespace": "erp_data"}, {"name": "erp_report"}]
    results = scan("al32utf8-19c", env=oracle_example(schemas))
    missing = results["db.tablespace:ERP_DATA"]
    assert missing.status is Status.FAIL and missing.blocking
    assert (
        missing.observed == "no tablespace ERP_DATA in the database (the default tablespace of ERP)"
    )
    assert "ORA-00959" in missing.remediation
    assert "for ERP_REPORT" in results["db.tablespace:USERS"].observed


def test_the_tablespace_requirement_comes_from_the_matrix_or_a_minimum() -> None:
    _, matrix = oracle_example()
    assert tablespace_requirement(matrix) == (
        10240.0,
        "the matrix's db disk requirement for /var/lib",
    )
    disks = [
        {"path": "/var/lib", "free_gb": 10},
        {"path": "/u01/app/oracle/oradata", "free_gb": 40},
    ]
    _, oracle = oracle_example(matrix_patch={"resources": {"db": {"disk": disks}}})
    assert tablespace_requirement(oracle)[0] == 40 * 1024
    env, _ = oracle_example()
    no_db = matrix.model_copy(update={"resources": {}})
    assert tablespace_requirement(no_db) == (MIN_TABLESPACE_FREE_MB, "deployer's minimum")
    assert scan("zhs16gbk-11g", env=(env, no_db))["db.tablespace:USERS"].status is Status.WARN
    assert scan("al32utf8-19c", env=(env, oracle))["db.tablespace:USERS"].status is Status.WARN


def test_a_dba_role_counts_only_for_what_session_privs_shows() -> None:
    results = scan(
        "zhs16gbk-11g",
        {"sql": "session_privs", "rows": [["CREATE SESSION"], ["CREATE USER"], ["ALTER USER"]]},
    )
    privileges = results["db.privileges"]
    assert privileges.status is Status.FAIL and privileges.blocking
    assert "GRANT ANY PRIVILEGE" in privileges.observed
    assert "CREATE ANY TRIGGER" in privileges.observed
    assert "roles enabled: " in privileges.observed and "DBA" in privileges.observed
    assert "DEPLOYER" in privileges.remediation.upper()


def test_the_migration_privileges_missing_are_named() -> None:
    granted = [
        ["CREATE SESSION"], ["CREATE USER"], ["ALTER USER"], ["GRANT ANY PRIVILEGE"],
        ["CREATE ANY TABLE"], ["ALTER ANY TABLE"], ["CREATE ANY INDEX"],
    ]  # fmt: skip
    privileges = scan("al32utf8-19c", {"sql": "session_privs", "rows": granted})["db.privileges"]
    assert privileges.status is Status.FAIL
    missing = privileges.observed.removeprefix("missing: ").split(" (roles")[0].split(", ")
    assert "GRANT ANY OBJECT PRIVILEGE" in missing and "DROP ANY TRIGGER" in missing
    assert "CREATE ANY TABLE" not in missing and "UNLIMITED TABLESPACE" not in missing


def test_dbms_lock_not_granted_fails_with_the_grant_to_run() -> None:
    lock = scan("zhs16gbk-11g")["db.privileges.dbms_lock"]
    assert lock.status is Status.FAIL and lock.blocking
    assert "GRANT EXECUTE ON SYS.DBMS_LOCK TO deployer" in lock.remediation
    assert "GRANT EXECUTE ON SYS.DBMS_LOCK TO deployer" in lock.remediation_zh


def test_dbms_lock_unread_is_unknown() -> None:
    lock = scan("al32utf8-19c", {"sql": "all_tab_privs", "error": REFUSED})[
        "db.privileges.dbms_lock"
    ]
    assert lock.status is Status.UNKNOWN and lock.observed == f"not reported: {REFUSED}"


def test_facts_without_the_oracle_reads_are_unknown_not_errors() -> None:
    """Facts recorded before these fields existed (a JSON report, a scenario) still check."""
    env, matrix = oracle_example()
    db = DatabaseFacts(
        engine="oracle",
        version="19.3.0.0.0",
        settings={"NLS_CHARACTERSET": "AL32UTF8"},
        privileges=("CREATE SESSION",),
    )
    results = {r.check_id: r for r in database.connection_checks(env, matrix, "db1", db, None)}
    assert results["db.privileges.dbms_lock"].status is Status.UNKNOWN
    assert results["db.tablespace:USERS"].observed == "not reported"
    assert results["db.charset.unicode"].status is Status.PASS


def test_an_expiring_default_profile_warns_that_the_product_will_stop_logging_in() -> None:
    expiry = scan("zhs16gbk-11g")["db.password_expiry"]
    assert expiry.status is Status.WARN and not expiry.blocking
    assert expiry.observed == "expires after 180 days (DEFAULT profile's PASSWORD_LIFE_TIME)"
    assert "erp_app" in expiry.remediation and "ORA-28001" in expiry.remediation
    assert scan("al32utf8-19c")["db.password_expiry"].status is Status.PASS
