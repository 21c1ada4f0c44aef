"""Redaction: every encoding of a secret is masked, and structured records stay valid."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from pymysql.converters import escape_string

from deployer.journal import Journal, Redactor, RunStatus
from deployer.journal.redact import MASK

SECRET = 'p@ss "w0rd"/中文 &x'


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(SECRET, id="raw"),
        pytest.param(json.dumps(SECRET, ensure_ascii=True)[1:-1], id="json-ascii"),
        pytest.param(json.dumps(SECRET, ensure_ascii=False)[1:-1], id="json-unicode"),
        pytest.param(json.dumps(SECRET)[1:-1].replace("/", "\\/"), id="json-escaped-slash"),
        pytest.param(quote(SECRET, safe=""), id="url-quote"),
        pytest.param(quote(SECRET), id="url-quote-path"),
        pytest.param(quote_plus(SECRET), id="url-quote-plus"),
        pytest.param(quote(SECRET, safe="").lower(), id="url-lower-hex"),
        pytest.param(_b64(SECRET), id="base64"),
        pytest.param(_b64(SECRET).rstrip("="), id="base64-unpadded"),
        pytest.param(base64.urlsafe_b64encode(SECRET.encode()).decode(), id="base64-urlsafe"),
        pytest.param(SECRET.replace("'", "''"), id="yaml-single-quoted"),
    ],
)
def test_every_encoding_of_a_secret_is_masked_in_text(form: str) -> None:
    redact = Redactor([SECRET])
    masked = redact(f"before {form} after")
    assert form not in masked
    assert masked.startswith("before ") and masked.endswith(" after")


def test_a_secret_quoted_by_a_sql_driver_is_masked() -> None:
    """A server's syntax error quotes the statement as the driver sent it."""
    secret = "lab Adm1n;pw'\"\\x\n\x1a\0"
    quoted = escape_string(secret)
    assert quoted != secret
    masked = Redactor([secret])(f"near 'IDENTIFIED BY '{quoted}'' at line 1")
    assert quoted not in masked and "Adm1n" not in masked


@pytest.mark.parametrize("user", ["root", "erp_app", "u"])
def test_http_basic_credentials_are_masked_whatever_the_user(user: str) -> None:
    header = f"Authorization: Basic {_b64(f'{user}:{SECRET}')}"
    assert Redactor([SECRET])(header) == f"Authorization: Basic {MASK}"


@pytest.mark.parametrize("offset", [0, 1, 2])
def test_a_secret_inside_a_longer_base64_text_is_masked_at_any_alignment(offset: int) -> None:
    blob = _b64("x" * offset + f"password={SECRET};and more text after it")
    redact = Redactor([SECRET])
    assert redact(f"data:{blob}") == f"data:{MASK}"
    # Glued to other base64 characters the run no longer decodes: the secret's own stretch of
    # the encoding is masked all the same.
    glued = redact(f"Zm9{blob}")
    secret_part = _b64("x" * offset + "password=" + SECRET)[-12:-4]
    assert secret_part not in glued and MASK in glued


def test_text_without_secrets_is_unchanged() -> None:
    text = "Basic dXNlcjpvdGhlcg== /opt/sample-erp/shared 1.0 exit=1"
    assert Redactor(["s3cr3t-value"])(text) == text


def test_structured_values_are_masked_per_string_and_numbers_kept() -> None:
    redact = Redactor(["1"])
    record = {"exit_code": 1, "pid": 4121, "ok": True, "note": "pw 1", "1": [1, "x1"]}
    assert redact.value(record) == {
        "exit_code": 1,
        "pid": 4121,
        "ok": True,
        "note": f"pw {MASK}",
        MASK: [1, f"x{MASK}"],
    }


def test_a_one_character_secret_keeps_every_journal_file_valid_json(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "runs", Redactor(["1"]))
    run = journal.start("apply", tmp_path / "env.yml", product_version="1.1", ports={"app1": 8081})
    run.set_status(RunStatus.RUNNING)
    run.event("playbook", name="site.yml", rc=1, output="connected with 1")
    run.record("recap.json", {"db": {"ok": 12, "changed": 1}})
    run.record("report.json", json.dumps({"failed": 1, "pw": "1"}))
    run.set_status(RunStatus.FAILED, exit_code=1, error="password 1 refused")

    meta = run.meta()
    assert meta["exit_code"] == 1 and isinstance(meta["pid"], int)
    assert meta["ports"] == {"app1": 8081} and meta["status"] == "failed"
    assert meta["error"] == f"password {MASK} refused"
    assert json.loads((run.path / "recap.json").read_text()) == {"db": {"ok": 12, "changed": 1}}
    assert json.loads((run.path / "report.json").read_text()) == {"failed": 1, "pw": MASK}
    events = list(run.events())
    assert events[1]["rc"] == 1 and events[1]["output"] == f"connected with {MASK}"


def test_a_one_letter_secret_leaves_the_journal_readable(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "runs", Redactor(["a"]))
    run = journal.start("apply", tmp_path / "env.yml")
    run.set_status(RunStatus.SUCCESSFUL, exit_code=0)
    last = journal.last("apply")
    assert last is not None and last.meta()["status"] == "successful"
    assert "a" not in last.meta()["user"].replace(MASK, "")


def test_an_empty_redactor_given_to_a_journal_is_the_one_it_uses(tmp_path: Path) -> None:
    redact = Redactor()
    journal = Journal(tmp_path, redact)
    redact.add("late-secret")  # registered after the journal was made, as commands do
    run = journal.start("check", tmp_path / "env.yml", note="late-secret")
    assert run.meta()["note"] == MASK
