"""《FAQ清单》: the questions the product ships (``product.faq``), then those this site's own
scan raises: every warning nobody accepted and every accepted risk, with what to do."""

from __future__ import annotations

import shlex

from deployer.checks.model import CheckResult
from deployer.docs.common import check_title, document
from deployer.docs.records import SiteRecords
from deployer.docs.site import host_plans
from deployer.docs.wording import Say
from deployer.report.document import Bullets, Document, Paragraph, Section
from deployer.report.i18n import Lang

NAME = "faq"


def faq(site: SiteRecords, lang: Lang, spec_shown: str) -> Document:
    say = Say(lang)
    sections = [*_product(site, say), *_site(site, say), *_deployer(spec_shown, say)]
    if not sections:
        sections.append(Section(say("Questions", "常见问题"), (Paragraph(say.none),)))
    return document(site, say, NAME, say("FAQ", "FAQ清单"), sections)


def _entry(question: str, answer: str) -> Section:
    return Section(question, (Paragraph(answer),), level=2)


def _product(site: SiteRecords, say: Say) -> list[Section]:
    if site.faq is None:
        return []
    entries = [_entry(e.question.text(say.lang), e.answer.text(say.lang)) for e in site.faq.entries]
    heading = Section(
        say("About {product}", "关于 {product}", product=site.loaded.env.product.name), ()
    )
    return [heading, *entries]


def _remedy(result: CheckResult, say: Say) -> str:
    return (result.remediation_zh if say.lang == "zh" else result.remediation) or ""


def _site(site: SiteRecords, say: Say) -> list[Section]:
    scan = site.scan
    entries = [_where(site, say)]
    for result in site.accepted_risks():
        reason = result.accepted.reason if result.accepted else ""
        entries.append(
            _entry(
                say(
                    "The scan reported “{title}” on {host} ({observed}). Is that a problem?",
                    "检查报告 {host} 的“{title}”为 {observed}，会有影响吗？",
                    title=check_title(result, say),
                    host=result.host,
                    observed=result.observed,
                ),
                say(
                    "It was accepted as a risk at go-live ({run}): {reason}. The product asks for "
                    "{required}. {remedy}",
                    "上线时已确认接受该风险（{run}）：{reason}。产品要求为 {required}。{remedy}",
                    run=scan.id if scan else "",
                    reason=reason,
                    required=result.required,
                    remedy=_remedy(result, say),
                ).strip(),
            )
        )
    for result in site.warnings():
        entries.append(
            _entry(
                say(
                    "What does “{title}” ({status}) on {host} mean?",
                    "{host} 的“{title}”（{status}）是什么意思？",
                    title=check_title(result, say),
                    status=result.status.value,
                    host=result.host,
                ),
                say(
                    "The scan ({run}) found {observed}; the product asks for {required}. {remedy}",
                    "检查（{run}）发现 {observed}；产品要求为 {required}。{remedy}",
                    run=scan.id if scan else "",
                    observed=result.observed,
                    required=result.required,
                    remedy=_remedy(result, say),
                ).strip(),
            )
        )
    return [Section(say("About this site", "关于本现场"), ()), *entries]


def _where(site: SiteRecords, say: Say) -> Section:
    hosts = [
        say(
            "{host} ({address}): {roles}; ports {ports}.",
            "{host}（{address}）：{roles}；端口 {ports}。",
            host=plan.host.name,
            address=plan.host.address,
            roles=", ".join(plan.host.roles),
            ports=plan.ports,
        )
        for plan in host_plans(site.loaded.env)
    ]
    question = say(
        "Which hosts make up this environment, and on which ports?",
        "本环境由哪些主机组成，使用哪些端口？",
    )
    return Section(question, (Bullets(tuple(hosts)),), level=2)


def _deployer(spec_shown: str, say: Say) -> list[Section]:
    spec = shlex.quote(spec_shown)
    return [
        Section(say("Installing and undoing", "安装与回退"), ()),
        _entry(
            say("How is the last upgrade undone?", "如何撤销最近一次升级？"),
            say(
                "Run deployer rollback {spec} --last. It restores the previous release, its "
                "configuration and the database, and is safe to run twice.",
                "执行 deployer rollback {spec} "
                "--last。它恢复上一版本、其配置和数据库，重复执行也是安全的。",
                spec=spec,
            ),
        ),
        _entry(
            say("Is this environment still as installed?", "环境是否仍与安装时一致？"),
            say(
                "deployer drift {spec} compares every host with what deployer installed and names "
                "each file, package or service that changed.",
                "deployer drift {spec} "
                "将各主机与安装时的状态比对，并列出有变化的文件、软件包或服务。",
                spec=spec,
            ),
        ),
    ]
