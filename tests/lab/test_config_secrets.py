"""Secrets in the product's free-form settings on real lab hosts: the rendered config and
Tomcat's context get each value, the run journal holds none of them.

Its own lab, made from a copy of the example spec with secrets in product.config (a
``${env:}`` and a ``${file:}`` reference, plaintext values allowed by
``allow_inline_secrets``), in a context parameter and in a host's product_config.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from labsupport import (
    EXAMPLE,
    SCRATCH,
    Lab,
    deployer_with_secrets,
    running_lab,
)

from deployer.lab.derive import derive_spec

pytestmark = pytest.mark.lab

VALUES = {
    "smtp": "smtp pw/邮件 {{x}}",
    "license": "LIC-0042-ABCD",
    "token": "inline-api-token-7",
    "context": "ctx-jdbc-pw-9",
    "report": "report-secret-x",
}
SETTINGS_ENVIRONMENT = {"LAB_SMTP_PASSWORD": VALUES["smtp"], "LAB_REPORT": VALUES["report"]}
TEMPLATE = """\
smtp.password={{ mail.smtp_password }}
license={{ license }}
api.token={{ api_token }}
report.secret={{ report_secret }}
"""


def secret_spec(folder: Path) -> Path:
    spec = derive_spec(
        EXAMPLE, folder / "env.yml", [("app1", ["web", "app"]), ("db1", ["db"])], "db1"
    )
    templates = folder / "templates"
    shutil.copytree(EXAMPLE.parent / "sample-erp" / "templates", templates, dirs_exist_ok=True)
    (templates / "secrets.properties.j2").write_text(TEMPLATE, encoding="utf-8")
    (folder / "license.key").write_text(VALUES["license"] + "\n", encoding="utf-8")
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    data["allow_inline_secrets"] = True
    data["product"]["templates"] = str(templates)
    data["product"]["config"].update(
        {
            "mail": {"smtp_password": "${env:LAB_SMTP_PASSWORD}"},
            "license": "${file:license.key}",
            "api_token": VALUES["token"],
        }
    )
    data["product"]["context_parameters"]["jdbc.password"] = VALUES["context"]
    data["hosts"][0]["overrides"] = {"product_config": {"report_secret": "${env:LAB_REPORT}"}}
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def secrets_lab() -> Iterator[Lab]:
    with running_lab(secret_spec(SCRATCH / "config-secrets")) as started:
        yield started


@pytest.fixture(autouse=True)
def _settings_secrets_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ${env:} references of the spec, for the deployer commands the tests start."""
    for name, value in SETTINGS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


deployer = deployer_with_secrets


def test_settings_secrets_reach_the_host_and_never_the_journal(secrets_lab: Lab) -> None:
    done = deployer("apply", str(secrets_lab.spec), "--lab", "-y")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for value in VALUES.values():
        assert value not in done.stdout + done.stderr

    rendered = secrets_lab.ssh("app1", "sudo cat /opt/sample-erp/shared/config/secrets.properties")
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.splitlines() == [
        f"smtp.password={VALUES['smtp']}",
        f"license={VALUES['license']}",
        f"api.token={VALUES['token']}",
        f"report.secret={VALUES['report']}",
    ]
    context = secrets_lab.ssh("app1", "sudo cat /etc/tomcat10/Catalina/localhost/erp.xml")
    assert f'name="jdbc.password" value="{VALUES["context"]}"' in context.stdout, context.stderr

    shown = deployer("show", str(secrets_lab.spec), "last", "--lab", "--json")
    assert shown.returncode == 0, shown.stderr
    run_dir = Path(json.loads(shown.stdout)["path"])
    files = [path for path in run_dir.rglob("*") if path.is_file()]
    assert {"spec.yml", "variables.yml", "events.jsonl", "meta.json"} <= {p.name for p in files}
    for path in files:
        data = path.read_bytes()
        for value in VALUES.values():
            assert value.encode() not in data, (path.name, value)
