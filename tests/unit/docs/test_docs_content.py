"""The five hand-over documents, as data, from a journal a go-live left: the facts each must
carry, the runs they were made from, and no secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.docs.generate import documents
from deployer.docs.records import read_site
from deployer.journal import Journal
from deployer.report.document import Document
from deployer.spec import load_environment
from deployer.spec.faq import load_faq
from tests.support.documents import NAMES
from tests.support.example_specs import EXAMPLES
from tests.support.handover import GoLive
from tests.unit.docs.conftest import GoLiveWith


def made(golive: GoLive) -> list[Document]:
    site = read_site(load_environment(golive.spec), Journal(golive.journal))
    return documents(site, ("zh", "en"), "env.yml")


def test_the_live_release_is_the_one_the_rollback_went_back_to(golive: GoLive) -> None:
    site = read_site(load_environment(golive.spec), Journal(golive.journal))
    assert site.live is not None and site.live.id == golive.first
    assert site.made_from == (
        golive.check,
        golive.first,
        golive.upgrade,
        golive.rollback,
        golive.imported,
    )
    assert site.scan is not None and site.scan.id == golive.check
    assert [r.check_id for r in site.accepted_risks()] == ["memory.total"]


def test_every_document_in_both_languages_carries_the_facts(golive: GoLive) -> None:
    made_docs = made(golive)
    assert [(d.name, d.lang) for d in made_docs] == [
        (n, lang) for n in NAMES for lang in ("zh", "en")
    ]
    for document in made_docs:
        text = document.text()
        for fact in (
            "华东精密机械有限公司",
            "production",
            "sample-erp 1.0",
            golive.check,
            golive.rollback,
        ):
            assert fact in text, (document.name, document.lang, fact)
        assert document.made_from == (
            golive.check,
            golive.first,
            golive.upgrade,
            golive.rollback,
            golive.imported,
        )
        for secret in golive.secrets.values():
            assert secret not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hosts_addresses_ports_and_risks_are_where_they_belong(golive: GoLive, lang: str) -> None:
    by_name = {d.name: d.text() for d in made(golive) if d.lang == lang}
    for name in NAMES:
        for fact in (
            "app1",
            "10.20.30.11",
            "80 (nginx)",
            "8080 (tomcat)",
            "db1",
            "10.20.30.21",
            "3306 (mariadb)",
        ):
            assert fact in by_name[name], (name, fact)
    for name in ("implementation-report", "faq", "acceptance-sheet"):
        assert "memory.total" in by_name[name] or "标题 memory.total" in by_name[name], name
        assert "客户确认：下月扩容" in by_name[name], name
    report = by_name["implementation-report"]
    assert "Ensure release 1.1 is current." in report  # what the upgrade changed
    assert "Ensure nginx is installed." not in report  # it changed nothing
    assert "erp.customers" in report and "customers-gbk.csv" in report
    assert (
        golive.imported in by_name["acceptance-sheet"]
        and "erp.customers" in by_name["acceptance-sheet"]
    )
    assert golive.upgrade in report and "V2__add_order_status.sql" in report
    assert "U2__add_order_status.sql" in report  # what the rollback undid
    assert "tomcat10" in by_name["operations-guide"] and "nginx" in by_name["operations-guide"]
    assert f"deployer rollback env.yml {golive.first}" in by_name["operations-guide"]
    assert "HUADONG_DB_APP_PASSWORD" in by_name["configuration-manual"]  # where, never what
    assert "/etc/nginx/sites-available/sample-erp.conf" in by_name["configuration-manual"]


def test_a_secret_a_record_holds_is_masked_in_the_documents(golive: GoLive) -> None:
    secret = golive.secrets["HUADONG_DB_ADMIN_PASSWORD"]
    # A record written without the redactor (an older deployer's, say).
    unguarded = Journal(golive.journal).start("apply", golive.spec, product_version="1.2")
    unguarded.set_status(unguarded.info().status.__class__("failed"), 6, error=f"login {secret}")
    for document in made(golive):
        assert secret not in document.text()
    report = next(d for d in made(golive) if d.name == "implementation-report")
    assert "login ********" in report.text()


def test_the_same_journal_gives_the_same_documents(golive: GoLive) -> None:
    assert made(golive) == made(golive)


def test_a_product_faq_comes_first(tmp_path: Path, golive_with: GoLiveWith) -> None:
    faq = tmp_path / "faq.yml"
    faq.write_text(
        "entries:\n"
        "  - question: {zh: 页面打不开怎么办？, en: The page does not open}\n"
        "    answer: {zh: 先看健康检查页, en: Open the health page first}\n",
        encoding="utf-8",
    )
    golive = golive_with("faq: faq.yml")
    faqs = {d.lang: d for d in made(golive) if d.name == "faq"}
    assert faqs["zh"].sections[1].title == "页面打不开怎么办？"
    assert faqs["en"].sections[1].blocks[0].text == "Open the health page first"  # type: ignore[union-attr]


def test_the_sample_products_faq_is_valid_in_both_languages() -> None:
    faq = load_faq(EXAMPLES / "sample-erp" / "faq.yml")
    assert len(faq.entries) == 3
    for entry in faq.entries:
        assert entry.question.zh and entry.question.en and entry.answer.zh and entry.answer.en


def test_a_go_live_watch_is_in_the_timeline_with_its_verdict(golive: GoLive) -> None:
    watch = Journal(golive.journal).start("watch", golive.spec, product_version="1.0")
    watch.record("watch.json", {"verdict": "no-go", "samples": 9, "breaches": []})
    watch.set_status(watch.info().status.__class__("successful"), 18)
    report = next(d for d in made(golive) if d.name == "implementation-report" and d.lang == "en")
    [row] = [
        row
        for block in report.sections[2].blocks
        for row in getattr(block, "rows", ())
        if row[0] == watch.id
    ]
    assert row[1] == "go-live watch" and row[-1].startswith("no-go")
