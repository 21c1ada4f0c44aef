"""The sample product on the real programs: its migrations on a private MariaDB server (unix
socket and loopback only) and its pages on an embedded Tomcat 10 serving unpacked releases
through a `current` symlink, as on a host. Skips, saying why, where those programs are missing.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deployer.spec import load_environment
from tests.integration.localmariadb import (
    MariaDB,
    free_loopback_port,
    program,
    running_mariadb,
    stop_server,
)
from tests.support.sample_erp import (
    EXAMPLES,
    HOSTILE_PASSWORD,
    SAMPLE,
    SPECS,
    build,
    render,
    template_variables,
)

# --- the migrations on a real MariaDB server ---------------------------------------------


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDB]:
    with running_mariadb(tmp_path_factory.mktemp("mariadb")) as server:
        yield server


def create_schema(server: MariaDB, name: str) -> None:
    server.sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")


def test_migrations_run_and_the_undo_restores_an_identical_dump(mariadb: MariaDB) -> None:
    create_schema(mariadb, "erp_migrations")
    mariadb.migrate("erp_migrations", upto=1)
    after_v1 = mariadb.dump("erp_migrations")
    mariadb.migrate("erp_migrations", upto=2)
    rows = mariadb.sql(
        "SELECT o.order_no, c.name, s.label FROM orders o JOIN customers c ON c.id = o.customer_id"
        " JOIN order_statuses s ON s.code = o.status ORDER BY o.order_no",
        database="erp_migrations",
    )
    assert rows == [
        ("SO-2026-0001", "苏州精工机床有限公司", "已发货"),
        ("SO-2026-0002", "上海浦江轴承制造有限公司", "新建"),
    ]
    assert mariadb.dump("erp_migrations") != after_v1
    mariadb.undo("erp_migrations", down_to=1)
    assert mariadb.dump("erp_migrations") == after_v1, "history included"


# --- the pages on a real Tomcat 10 ------------------------------------------------------

JAVA_LIB = Path("/usr/share/java")
TOMCAT_JARS = [
    *(
        f"tomcat10-{name}.jar"
        for name in [
            "api",
            "catalina",
            "servlet-api",
            "jsp-api",
            "el-api",
            "jasper",
            "jasper-el",
            "juli",
            "util",
            "util-scan",
            "coyote",
            "jni",
            "annotations-api",
            "jaspic-api",
        ]
    ),
    "eclipse-jdt-core.jar",
    "mariadb-java-client.jar",
]
#: An embedded Tomcat serving each CONTEXT=DOCBASE argument, on a free loopback port.
LAUNCHER = """
import java.io.File;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;

public class SampleErpTomcat {
    public static void main(String[] args) throws Exception {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(args[0]);
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        for (int i = 1; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            Context context = tomcat.addWebapp(pair[0], new File(pair[1]).getAbsolutePath());
            ((StandardJarScanner) context.getJarScanner()).setScanClassPath(false);
        }
        tomcat.start();
        System.out.println("PORT " + connector.getLocalPort());
        System.out.flush();
        tomcat.getServer().await();
    }
}
"""


class Site:
    """A running Tomcat with releases 1.0 (at /erp10) and 1.1 (at /erp, through `current`)."""

    def __init__(self, port: int, config: Path) -> None:
        self.port = port
        self.config = config

    def get(self, path: str) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read().decode("utf-8")
            return response.status, response.getheader("Content-Type", ""), body
        finally:
            connection.close()


def _unpack_releases(root: Path) -> dict[str, Path]:
    releases: dict[str, Path] = {}
    for version in build.VERSIONS:
        folder = root / "releases" / f"{version}-test"
        with zipfile.ZipFile(SAMPLE / "dist" / f"sample-erp-{version}.war") as war:
            war.extractall(folder)
        releases[version] = folder
    (root / "current").symlink_to(releases["1.1"].relative_to(root))
    return releases


def _start_tomcat(root: Path) -> tuple[subprocess.Popen[bytes], Site]:
    releases = _unpack_releases(root)
    (root / "SampleErpTomcat.java").write_text(LAUNCHER, encoding="utf-8")
    config = root / "shared" / "config" / "erp.properties"
    config.parent.mkdir(parents=True)
    classpath = os.pathsep.join(str(JAVA_LIB / jar) for jar in TOMCAT_JARS)
    command = [program("java") or "java", "-Xmx256m", "-XX:TieredStopAtLevel=1"]
    command += [
        f"-Dsample.erp.config={config}",
        "-cp",
        classpath,
        str(root / "SampleErpTomcat.java"),
    ]
    command += [str(root / "tomcat"), f"/erp={root / 'current'}", f"/erp10={releases['1.0']}"]
    # LC_ALL=C: the pages must not depend on the JVM's default charset for Chinese text.
    environment = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    output = root / "tomcat.out"
    with output.open("wb") as stdout, (root / "tomcat.err").open("wb") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=environment)
    deadline = time.monotonic() + 90
    while not (match := re.search(rb"PORT (\d+)", output.read_bytes())):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(process)
            log = (root / "tomcat.err").read_text(errors="replace")[-3000:]
            pytest.fail(f"embedded Tomcat did not start: {log}")
        time.sleep(0.1)
    return process, Site(int(match[1]), config)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    missing = [jar for jar in TOMCAT_JARS if not (JAVA_LIB / jar).is_file()]
    if missing or not program("java"):
        pytest.skip(
            f"no java or no {', '.join(missing)} in {JAVA_LIB} (apt-get install "
            "default-jre-headless libtomcat10-java libeclipse-jdt-core-java libmariadb-java)"
        )
    process, running = _start_tomcat(tmp_path_factory.mktemp("tomcat"))
    try:
        yield running
    finally:
        stop_server(process)


def site_variables(db_port: int, password: str) -> dict[str, Any]:
    variables = template_variables(load_environment(EXAMPLES / SPECS[1]), password)
    return {**variables, "db_host": "127.0.0.1", "db_port": db_port}


def health(site: Site, context: str = "/erp") -> tuple[int, str]:
    status, content_type, body = site.get(f"{context}/health.jsp")
    assert content_type == "application/json;charset=UTF-8"
    return status, body


def test_health_without_a_config_file_is_unconfigured(site: Site) -> None:
    site.config.unlink(missing_ok=True)
    status, body = health(site)
    assert status == 503
    assert body.startswith(
        '{"product":"sample-erp","version":"1.1","database":"unconfigured","schema_expected":2,'
        '"error":"cannot read config '
    )
    status, _, page = site.get("/erp/")
    assert status == 200 and "配置未加载" in page


def test_health_with_the_database_down_is_unreachable(site: Site) -> None:
    password = "never-shown-7f3a"
    site.config.write_text(render(site_variables(free_loopback_port(), password)), encoding="utf-8")
    for context, version, schema in (("/erp", "1.1", 2), ("/erp10", "1.0", 1)):
        status, body = health(site, context)
        assert status == 503
        assert body.startswith(
            f'{{"product":"sample-erp","version":"{version}","database":"unreachable",'
            f'"schema_expected":{schema},"error":"SQLNonTransientConnectionException: '
        )
        assert password not in body


def test_index_shows_the_chinese_company_name(site: Site) -> None:
    site.config.write_text(render(site_variables(1, "x")), encoding="utf-8")
    status, content_type, page = site.get("/erp/")
    assert (status, content_type) == (200, "text/html;charset=UTF-8")
    assert '<strong id="company">华东精密机械有限公司</strong>' in page
    assert '<span id="version">1.1</span>' in page
    assert "<title>示例 ERP · 华东精密机械有限公司</title>" in page


def test_health_with_the_database_up_reports_the_schema(site: Site, mariadb: MariaDB) -> None:
    create_schema(mariadb, "erp")
    mariadb.sql("CREATE USER 'erp_app'@'127.0.0.1' IDENTIFIED BY %s", (HOSTILE_PASSWORD,))
    mariadb.sql("GRANT SELECT, INSERT, UPDATE, DELETE ON erp.* TO 'erp_app'@'127.0.0.1'")
    wrong = "wrong-password-5c1e"
    site.config.write_text(render(site_variables(mariadb.port, wrong)), encoding="utf-8")
    status, body = health(site)
    assert status == 503 and '"database":"unreachable"' in body and "Access denied" in body
    assert wrong not in body
    site.config.write_text(render(site_variables(mariadb.port, HOSTILE_PASSWORD)), encoding="utf-8")
    status, body = health(site)
    assert status == 200
    assert '"database":"reachable","schema":null' in body and '"schema_error":' in body
    for upto in (1, 2):
        mariadb.migrate("erp", upto)
        for context, version, expected in (("/erp", "1.1", 2), ("/erp10", "1.0", 1)):
            assert health(site, context) == (
                200,
                f'{{"product":"sample-erp","version":"{version}","database":"reachable",'
                f'"schema":{upto},"schema_expected":{expected}}}',
            )
    mariadb.undo("erp", down_to=1)
    assert '"schema":1,' in health(site)[1]
