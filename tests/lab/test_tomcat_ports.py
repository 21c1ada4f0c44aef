"""Ports that differ per host, on real lab hosts: a Tomcat moved by a host override is the one
nginx proxies to.

Its own lab made from copies of the example specs, so the shared example lab stays untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from labsupport import Lab, deployer_with_secrets, upgrade_lab

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def ports_lab() -> Iterator[Lab]:
    with upgrade_lab("tomcat-ports") as started:
        yield started


def with_tomcat_port(spec: Path, host: str, port: int) -> Path:
    """The spec with ``host``'s Tomcat on ``port`` by a host override, beside it (so that
    ``--lab`` finds the same lab)."""
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    for entry in data["hosts"]:
        if entry["name"] == host:
            entry["overrides"] = {"tomcat": {"port": port}}
    target = spec.with_name(f"{spec.stem}-tomcat-{port}.yml")
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def test_nginx_proxies_to_the_port_a_host_override_gives_tomcat(ports_lab: Lab) -> None:
    spec = with_tomcat_port(ports_lab.spec, "app1", 8081)
    done = deployer_with_secrets("apply", str(spec), "--lab", "-y")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    listening = ports_lab.ssh("app1", "ss -Hltn 'sport = :8081'")
    assert listening.returncode == 0 and "8081" in listening.stdout, listening.stderr
    # Through nginx, as a user's browser comes in: the status code first, then the page.
    page = ports_lab.ssh("app1", "curl -s -w '\\n%{http_code}' http://localhost/erp/health.jsp")
    body, _, status = page.stdout.rpartition("\n")
    assert status == "200", page.stdout + page.stderr
    assert json.loads(body)["version"] == "1.0"
