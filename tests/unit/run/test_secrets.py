"""Secrets in free-form settings: resolved, registered for redaction, and carried to the
playbooks only through their environment."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
import yaml

from deployer.executors.ansible.variables import dump, extra_vars, host_vars
from deployer.journal import Journal, Redactor, RunStatus
from deployer.lab.overlay import absolutise
from deployer.run.secrets import resolve_secrets
from deployer.spec import LoadedEnvironment, load_environment

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "huadong-production.yml"

VALUES = {
    "smtp": "smtp pw/邮件",  # ${env:SMTP_PASSWORD}
    "license": "LIC-0042-ABCD",  # ${file:license.key}, under a key not named like a secret
    "token": "inline-api-token",  # plaintext under api_token
    "pin": "424242",  # plaintext number under pin_password
    "context": "ctx-jdbc-pw",  # plaintext context parameter jdbc.password
    "report": "report-secret-x",  # ${env:REPORT_SECRET} in a host's product_config
}


@pytest.fixture
def loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LoadedEnvironment:
    monkeypatch.setenv("HUADONG_DB_ADMIN_PASSWORD", "admin-pw-1")
    monkeypatch.setenv("HUADONG_DB_APP_PASSWORD", "app-pw-1")
    monkeypatch.setenv("SMTP_PASSWORD", VALUES["smtp"])
    monkeypatch.setenv("REPORT_SECRET", VALUES["report"])
    (tmp_path / "license.key").write_text(VALUES["license"] + "\n", encoding="utf-8")
    data = absolutise(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), EXAMPLE.parent)
    data["allow_inline_secrets"] = True
    data["product"]["config"].update(
        {
            "mail": {"host": "mail.example.cn", "smtp_password": "${env:SMTP_PASSWORD}"},
            "license": "${file:license.key}",
            "api_token": VALUES["token"],
            "pin_password": int(VALUES["pin"]),
            "csrf_token": True,  # a switch, not a secret
        }
    )
    data["product"]["context_parameters"]["jdbc.password"] = VALUES["context"]
    data["hosts"][0]["overrides"] = {"product_config": {"report_secret": "${env:REPORT_SECRET}"}}
    spec = tmp_path / "env.yml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_environment(spec)


def all_variables(loaded: LoadedEnvironment) -> dict[str, Any]:
    env = loaded.env
    return {"all": extra_vars(loaded, "r1"), **{h.name: host_vars(env, h) for h in env.hosts}}


def test_every_setting_secret_reaches_the_playbooks_environment(loaded: LoadedEnvironment) -> None:
    secrets = resolve_secrets(loaded, Redactor())
    environment = secrets.playbook_env("erp")
    assert set(VALUES.values()) <= set(environment.values())
    # The variables name the environment variable that carries each value, never the value.
    variables = dump(all_variables(loaded))
    for name, value in environment.items():
        assert value not in variables
        assert name in variables
    config = all_variables(loaded)["all"]["product_config"]
    assert config["csrf_token"] is True and config["mail"]["host"] == "mail.example.cn"


def test_the_journal_never_holds_a_setting_secret(
    loaded: LoadedEnvironment, tmp_path: Path
) -> None:
    journal = Journal(tmp_path / "runs", Redactor())
    resolve_secrets(loaded, journal.redact)
    run = journal.start("apply", loaded.path)
    run.record("spec.yml", loaded.path.read_text(encoding="utf-8"))
    run.record("variables.yml", dump(all_variables(loaded)))
    said = " ".join(VALUES.values())
    run.event("task", host="app1", message=said, url=quote_plus(said))
    run.record("facts.json", {"said": said, "basic": base64.b64encode(said.encode()).decode()})
    run.set_status(RunStatus.FAILED, exit_code=6, error=json.dumps(said))

    for path in run.path.iterdir():
        text = path.read_text(encoding="utf-8")
        for value in VALUES.values():
            assert value not in text, (path.name, value)
            assert json.dumps(value)[1:-1] not in text, (path.name, value)
