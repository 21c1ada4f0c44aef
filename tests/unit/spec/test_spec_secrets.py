"""secrets: references only; an inline value is never shown by str, repr, dumps or errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from deployer.spec.environment import Credentials
from deployer.spec.secrets import SECRET_KEY, SecretRef, SecretUnavailable, resolve_file

VALUE = "Tr0ub4dor&3-inline"


def test_references_parse() -> None:
    assert SecretRef.parse("${env:DB_PASS}", allow_inline=False) == SecretRef("env", "DB_PASS")
    assert SecretRef.parse(" ${file: secrets/db } ", allow_inline=False) == SecretRef(
        "file", "secrets/db"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${env:bad-name}", "${env:NAME} needs a variable name of letters, digits and _"),
        ("${env:1ABC}", "${env:NAME} needs a variable name of letters, digits and _"),
        ("${env:}", "${env:NAME} needs a variable name of letters, digits and _"),
        ("${file:}", "${file:path} needs a path"),
        ("${vault:db}", "unknown secret source; use ${env:NAME} or ${file:path}"),
        ("${env:DB", "malformed secret reference; use ${env:NAME} or ${file:path}"),
        ("x${env:DB}", "malformed secret reference; use ${env:NAME} or ${file:path}"),
        ("hunter2", "plaintext secret is not allowed; use ${env:NAME} or ${file:path} "),
    ],
)
def test_bad_references_are_refused_without_echo(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        SecretRef.parse(text, allow_inline=False)
    assert str(caught.value).startswith(message)
    if text == "hunter2":
        assert "hunter2" not in str(caught.value)


def test_inline_value_is_never_shown() -> None:
    ref = SecretRef.parse(VALUE, allow_inline=True)
    assert ref.source == "inline"
    assert VALUE not in str(ref)
    assert VALUE not in repr(ref)
    assert VALUE not in f"{ref!s} {ref!r} {[ref]} { ({'p': ref}) }"


def test_inline_value_is_never_shown_by_the_model() -> None:
    creds = Credentials.model_validate(
        {"user": "root", "password": VALUE}, context={"allow_inline_secrets": True}
    )
    assert VALUE not in repr(creds)
    assert VALUE not in str(creds)
    assert VALUE not in creds.model_dump_json()
    assert VALUE not in str(creds.model_dump())
    assert creds.model_dump()["password"] == "<inline secret>"


def test_inline_value_is_refused_without_the_flag_and_not_echoed() -> None:
    with pytest.raises(ValidationError) as caught:
        Credentials.model_validate({"user": "root", "password": VALUE})
    assert VALUE not in str(caught.value.errors(include_input=False))
    assert "plaintext secret is not allowed" in str(caught.value)


def test_non_text_secret_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Credentials.model_validate({"user": "root", "password": 12345})
    assert caught.value.errors()[0]["msg"] == "expected a secret reference string"


def test_references_show_only_where_the_secret_lives() -> None:
    assert str(SecretRef("env", "DB_PASS")) == "${env:DB_PASS}"
    assert repr(SecretRef("file", "s/db")) == "${file:s/db}"


def test_reveal_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPLOYER_TEST_SECRET", VALUE)
    assert SecretRef("env", "DEPLOYER_TEST_SECRET").reveal(Path("/")) == VALUE


def test_reveal_of_an_unset_variable_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEPLOYER_TEST_SECRET", raising=False)
    with pytest.raises(SecretUnavailable, match="DEPLOYER_TEST_SECRET is not set"):
        SecretRef("env", "DEPLOYER_TEST_SECRET").reveal(Path("/"))


def test_reveal_reads_a_file_relative_to_the_spec(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "db").write_text(VALUE + "\n", encoding="utf-8")
    assert SecretRef("file", "secrets/db").reveal(tmp_path) == VALUE
    absolute = str(tmp_path / "secrets" / "db")
    assert SecretRef("file", absolute).reveal(Path("/elsewhere")) == VALUE


def test_reveal_of_a_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(SecretUnavailable, match=r"cannot read secret file .*nope"):
        SecretRef("file", "nope").reveal(tmp_path)


def test_reveal_of_an_inline_value() -> None:
    assert SecretRef.parse(VALUE, allow_inline=True).reveal(Path("/")) == VALUE


def test_resolve_file() -> None:
    assert resolve_file("a/b", Path("/spec")) == Path("/spec/a/b")
    assert resolve_file("/abs", Path("/spec")) == Path("/abs")
    assert resolve_file("~/k", Path("/spec")) == Path.home() / "k"


@pytest.mark.parametrize(
    "key", ["password", "db_password", "dbPassword", "DB_PASS", "passwd", "api_key", "smtp_secret"]
)
def test_secret_looking_keys(key: str) -> None:
    assert SECRET_KEY.search(key)


@pytest.mark.parametrize("key", ["passive_mode", "compass", "bypass_cache", "timezone", "port"])
def test_keys_that_only_look_alike(key: str) -> None:
    assert not SECRET_KEY.search(key)
