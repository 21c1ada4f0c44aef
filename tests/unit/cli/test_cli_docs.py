"""``deployer docs`` on the command line: what it writes and says, and its refusals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from deployer.errors import ExitCode
from tests.support.documents import NAMES
from tests.support.example_specs import example_spec
from tests.support.handover import go_live
from tests.unit.conftest import CliResult

Cli = Callable[[list[str]], CliResult]


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    golive = go_live(tmp_path)
    for name, value in golive.secrets.items():
        monkeypatch.setenv(name, value)
    return golive.spec


def test_docs_writes_each_document_and_says_where(cli: Cli, spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "handover"
    done = cli(["docs", str(spec), "--lang", "en", "--format", "docx,html", "--out", str(out)])
    assert done.code == ExitCode.OK, done.err
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{name}.en.{ext}" for name in NAMES for ext in ("docx", "html")] + ["handover.json"]
    )
    assert "5 documents in" in done.out and "made from 5 runs" in done.out
    assert "Acceptance sheet — 华东精密机械有限公司 (en): acceptance-sheet.en.docx" in done.out


def test_only_html_leaves_no_word_file(cli: Cli, spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    done = cli(["docs", str(spec), "--format", "html", "--out", str(out)])
    assert done.code == ExitCode.OK, done.err
    assert {p.suffix for p in out.iterdir()} == {".html", ".json"}


@pytest.mark.parametrize(
    ("option", "value", "named"), [("--lang", "fr", "fr"), ("--format", "odt", "odt")]
)
def test_an_unknown_language_or_format_is_a_usage_error(
    cli: Cli, spec: Path, option: str, value: str, named: str
) -> None:
    done = cli(["docs", str(spec), option, value])
    assert done.code == ExitCode.USAGE
    assert len(done.err_lines) == 1 and named in done.err and option in done.err


def test_pdf_without_libreoffice_is_refused_before_anything_is_written(
    cli: Cli, spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("deployer.docs.pdf.libreoffice", lambda: None)
    out = tmp_path / "none"
    done = cli(["docs", str(spec), "--format", "docx,pdf", "--out", str(out)])
    assert done.code == ExitCode.DOCS_FAILED
    assert len(done.err_lines) == 1 and "LibreOffice" in done.err
    assert not out.exists()


def test_a_faq_with_a_mistake_is_located(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "faq.yml").write_text(
        "entries:\n  - question: {zh: 问题}\n    answr: {zh: 答案}\n", encoding="utf-8"
    )
    spec = go_live(
        tmp_path, "  health_path: /erp/health.jsp=>  health_path: /erp/health.jsp\n  faq: faq.yml"
    ).spec
    done = cli(["docs", str(spec), "--format", "html", "--out", str(tmp_path / "out")])
    assert done.code == ExitCode.INVALID_SPEC
    assert "faq.yml:3:" in done.err and "answr" in done.err


def test_a_kubernetes_spec_with_no_runs_yet_gets_its_documents(cli: Cli, tmp_path: Path) -> None:
    spec = example_spec(tmp_path, "huadong-kubernetes.yml")
    out = tmp_path / "out"
    done = cli(["docs", str(spec), "--lang", "zh,en", "--format", "docx", "--out", str(out)])
    assert done.code == ExitCode.OK, done.err
    assert "made from 0 runs" in done.out and len(list(out.glob("*.docx"))) == 10
