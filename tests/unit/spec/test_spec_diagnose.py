"""diagnose: pydantic errors become one located, readable line each."""

from __future__ import annotations

import textwrap

import pytest

from deployer.spec.diagnose import data_path, field_names
from deployer.spec.environment import Environment
from deployer.spec.loader import validate_model
from deployer.spec.matrix import SupportMatrix
from deployer.spec.problems import SpecError
from deployer.spec.yamlsource import parse

HEADER = "apiVersion: deployer/v1\nkind: Environment\n"


def problems(text: str, model: type = Environment) -> dict[str, str]:
    """field -> 'LINE:COL: message' for every problem of the document."""
    doc = parse(textwrap.dedent(text), "t.yml")
    with pytest.raises(SpecError) as caught:
        validate_model(doc, model, {})
    return {p.field: f"{p.line}:{p.col}: {p.message}" for p in caught.value.problems}


# --- data_path ---------------------------------------------------------------------------
def test_data_path_drops_a_union_tag_and_keeps_the_missing_field() -> None:
    data = {"target": {"type": "kubernetes", "context": "c"}}
    loc = ("target", "kubernetes", "namespace")
    assert data_path(data, loc, missing=True) == ("target", "namespace")
    assert data_path(data, loc) == ("target",)


def test_data_path_drops_validator_names_and_dict_key_markers() -> None:
    data = {"settings": {"x": [1]}, "resources": {"cache": {}}}
    assert data_path(data, ("settings", "x", "str")) == ("settings", "x")
    assert data_path(data, ("settings", "x", "function-after[f(), int]")) == ("settings", "x")
    assert data_path(data, ("resources", "cache", "[key]")) == ("resources", "cache")


def test_data_path_follows_list_indexes() -> None:
    data = {"hosts": [{"name": "a"}, {"name": "b", "auth": {"type": "key"}}]}
    loc = ("hosts", 1, "auth", "key", "key_file")
    assert data_path(data, loc, missing=True) == ("hosts", 1, "auth", "key_file")


def test_data_path_of_an_absent_index_keeps_nothing_beyond_it() -> None:
    assert data_path({"hosts": []}, ("hosts", 3, "name")) == ("hosts",)


# --- did you mean ------------------------------------------------------------------------
def test_field_names_follow_lists_unions_and_aliases() -> None:
    assert {"apiVersion", "hosts", "middleware"} <= field_names(Environment, ())
    assert {"address", "host_key", "roles"} <= field_names(Environment, ("hosts", 0))
    assert {"type", "context", "namespace", "replicas"} <= field_names(Environment, ("target",))
    assert field_names(Environment, ("hosts", 0, "auth")) == {"type", "key_file", "password"}
    assert field_names(Environment, ("hosts", 0, "become")) == {"method", "password"}
    assert "via" in field_names(Environment, ("bastions", 0))
    assert "migrations" in field_names(Environment, ("database", "schemas", 0))
    assert "memory_mb" in field_names(SupportMatrix, ("resources", "app"))


def test_unknown_field_suggests_the_closest_name() -> None:
    found = problems(HEADER + "hosts:\n  - name: a\n    adress: 10.0.0.1\n")
    assert found["hosts[0].adress"] == "5:5: unknown field 'adress' (did you mean 'address'?)"
    assert found["hosts[0].address"] == "4:5: required field is missing"


def test_unknown_field_lists_a_short_vocabulary_when_nothing_is_close() -> None:
    found = problems(HEADER + "middleware:\n  varnish: {}\n")
    assert found["middleware.varnish"] == (
        "4:3: unknown field 'varnish'; expected one of jdk, nginx, tomcat"
    )


def test_unknown_field_says_only_that_when_the_vocabulary_is_long() -> None:
    assert problems(HEADER + "zzzz: 1\n")["zzzz"] == "3:1: unknown field 'zzzz'"


# --- locations -------------------------------------------------------------------------
def test_missing_field_inside_a_tagged_union_is_named_not_the_tag() -> None:
    found = problems(HEADER + "target:\n  type: kubernetes\n  context: c\n")
    assert found["target.namespace"] == "3:1: required field is missing"  # at its parent
    assert "target.kubernetes" not in found


def test_union_tag_problems_point_at_the_tag() -> None:
    found = problems(HEADER + "target:\n  type: docker\n")
    assert found["target.type"] == "4:9: expected one of ansible, kubernetes"
    found = problems(HEADER + "hosts:\n  - auth: {key_file: k}\n")
    assert found["hosts[0].auth.type"] == "4:11: 'type' is required to tell which kind this is"


def test_dict_key_problems_point_at_the_key() -> None:
    text = "apiVersion: deployer/v1\nkind: SupportMatrix\nresources:\n  cache: {}\n"
    found = problems(text, SupportMatrix)
    assert found["resources.cache"] == "4:3: expected one of web, app or db, got 'cache'"


def test_alternatives_of_a_union_become_one_line() -> None:
    text = (
        "apiVersion: deployer/v1\nkind: SupportMatrix\ndatabase_settings:\n  mysql:\n    x: [1]\n"
    )
    found = problems(text, SupportMatrix)
    assert found["database_settings.mysql.x"] == "5:8: expected text or a whole number"


# --- messages ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("5.7", "YAML reads unquoted 5.7 as a number; write it in quotes: '5.7'"),
        ("10.10", "YAML reads unquoted 10.10 as the number 10.1; write it in quotes: '10.10'"),
        ("1.20", "YAML reads unquoted 1.20 as the number 1.2; write it in quotes: '1.20'"),
        ("8", "YAML reads unquoted 8 as a number; write it in quotes: '8'"),
        ("017", "YAML reads unquoted 017 as the number 15; write it in quotes: '017'"),
        ("yes", "YAML reads unquoted yes as the boolean true; write it in quotes: 'yes'"),
        ("Off", "YAML reads unquoted Off as the boolean false; write it in quotes: 'Off'"),
        (
            "2024-05-01",
            "YAML reads unquoted 2024-05-01 as a date; write it in quotes: '2024-05-01'",
        ),
        ("null", "expected text"),
    ],
)
def test_unquoted_values_say_what_yaml_made_of_them(value: str, message: str) -> None:
    found = problems(HEADER + f"middleware:\n  jdk: {{version: {value}}}\n")
    assert found["middleware.jdk.version"] == f"4:18: {message}"


def test_values_under_secret_looking_keys_are_never_echoed() -> None:
    found = problems(HEADER + "labels:\n  db_password: 8642\n  site: 8642\n")
    assert found["labels.db_password"] == "4:16: expected text; quote the value"
    assert "8642" in found["labels.site"]


@pytest.mark.parametrize(
    ("yaml_text", "field", "message"),
    [
        ("hosts: [{port: 0}]", "hosts[0].port", "must be at least 1"),
        ("hosts: [{port: 65536}]", "hosts[0].port", "must be at most 65535"),
        ("hosts: [{port: 22.5}]", "hosts[0].port", "expected a whole number"),
        ("hosts: [{port: .inf}]", "hosts[0].port", "expected a finite number"),
        ("hosts: [{roles: []}]", "hosts[0].roles", "must not be empty"),
        ("hosts: [{roles: [db, db]}]", "hosts[0].roles", "a role is listed twice"),
        ("hosts: [{become: maybe}]", "hosts[0].become", "expected true or false"),
        ("hosts: [{user: Root}]", "hosts[0].user", "not a Unix user name"),
        ("hosts: [{name: App}]", "hosts[0].name", "use lower-case letters, digits"),
        ("hosts: [{host_key: AAAA}]", "hosts[0].host_key", "expected a public key as in"),
        ("hosts: [{address: 1.2.3.999}]", "hosts[0].address", "not an IP address or DNS name"),
        ("hosts: [5]", "hosts[0]", "expected a mapping (key: value)"),
        ("hosts: {}", "hosts", "expected a list"),
        ("customer: ''", "customer", "must not be empty"),
        ("allow_inline_secrets: 'true'", "allow_inline_secrets", "expected true or false"),
    ],
)
def test_messages_are_clauses_in_plain_words(yaml_text: str, field: str, message: str) -> None:
    found = problems(HEADER + yaml_text + "\n")
    assert found[field].split(": ", 1)[1].startswith(message)


def test_every_message_starts_lower_case_and_is_one_line() -> None:
    found = problems(HEADER + "hosts: [{port: 0, roles: [x], auth: {type: no}}]\nlabels: {a: 1}\n")
    for located in found.values():
        message = located.split(": ", 1)[1]
        assert message[0] == message[0].lower() or message.startswith("YAML "), message
        assert "\n" not in message
