"""Secrets in the product's free-form settings reach the playbooks as environment lookups,
wherever in the settings they sit."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from deployer.executors.ansible.variables import config_secrets, dump, env_lookup, extra_vars
from deployer.lab.overlay import absolutise
from deployer.spec import LoadedEnvironment, load_environment

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "huadong-production.yml"


@pytest.fixture
def loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LoadedEnvironment:
    monkeypatch.setenv("HUADONG_DB_ADMIN_PASSWORD", "admin-pw-1")
    monkeypatch.setenv("HUADONG_DB_APP_PASSWORD", "app-pw-1")
    (tmp_path / "relay.key").write_text("relay-pw\n", encoding="utf-8")
    data = absolutise(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), EXAMPLE.parent)
    data["product"]["config"]["relays"] = [
        "mail.example.cn",
        "${env:RELAY_PASSWORD}",
        {"smtp_password": "${file:relay.key}"},
    ]
    spec = tmp_path / "env.yml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_environment(spec)


def test_a_reference_in_a_list_is_carried_like_one_under_a_key(loaded: LoadedEnvironment) -> None:
    secrets = config_secrets(loaded.env)
    by_text = {text: name for name, text in secrets.items()}
    assert set(by_text) == {"${env:RELAY_PASSWORD}", "${file:relay.key}"}
    relays = extra_vars(loaded, "r1")["product_config"]["relays"]
    assert relays == [
        "mail.example.cn",
        env_lookup(by_text["${env:RELAY_PASSWORD}"]),
        {"smtp_password": env_lookup(by_text["${file:relay.key}"])},
    ]
    assert "${env:" not in dump(extra_vars(loaded, "r1"))
