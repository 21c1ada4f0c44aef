"""What every document shares: its cover, the hosts table, and the secrets it must not
show."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import fields, is_dataclass
from typing import Any

from pydantic import BaseModel

from deployer.checks.model import CheckResult
from deployer.docs.records import SiteRecords
from deployer.docs.site import host_plans
from deployer.docs.wording import Say, when
from deployer.report.document import Document, Section, Table
from deployer.spec import SecretRef
from deployer.spec.secrets import SecretUnavailable, secret_reference


def version(site: SiteRecords) -> str:
    """The release the hosts run now, by the records; the spec's when nothing went live."""
    live = site.live
    if live is not None and live.meta.product_version:
        return live.meta.product_version
    return site.loaded.env.product.version


def document(
    site: SiteRecords,
    say: Say,
    name: str,
    title: str,
    sections: Sequence[Section],
    *,
    signatures: tuple[str, ...] = (),
) -> Document:
    """A document of the site's: titled for its customer, with the cover, the runs it was
    made from and the date every document carries."""
    env = site.loaded.env
    release = version(site)
    date = when(site.date) or say.none
    runs = ", ".join(site.made_from) or say.none
    shown = (
        (say("Customer", "客户"), env.customer),
        (say("Environment", "环境"), env.environment),
        (say("Product", "产品"), f"{env.product.name} {release}"),
        (say("Date", "日期"), date),
        (say("Made from runs", "依据的运行记录"), runs),
    )
    fields = (
        ("customer", env.customer),
        ("environment", env.environment),
        ("product", env.product.name),
        ("version", release),
        ("date", date),
        ("runs", runs),
    )
    return Document(
        name,
        say.lang,
        f"{title} — {env.customer}",
        shown,
        tuple(sections),
        site.made_from,
        site.date,
        signatures,
        fields,
    )


def where_from(ref: SecretRef, say: Say) -> str:
    """Where a secret comes from, never what it is."""
    if ref.source == "env":
        return say("environment variable {name}", "环境变量 {name}", name=ref.locator)
    if ref.source == "file":
        return say("file {path}", "文件 {path}", path=ref.locator)
    return say("written in the spec (not shown)", "写在规格文件中（不显示）")


def check_title(result: CheckResult, say: Say) -> str:
    return result.title_zh if say.lang == "zh" else result.title


def hosts_table(site: SiteRecords, say: Say) -> Table:
    facts = _scanned_os(site)
    rows = tuple(
        (
            plan.host.name,
            str(plan.host.address),
            ", ".join(plan.host.roles),
            facts.get(plan.host.name, say("not scanned", "未检查")),
            plan.ports,
        )
        for plan in host_plans(site.loaded.env)
    )
    headers = (
        say("Host", "主机"),
        say("Address", "地址"),
        say("Roles", "角色"),
        say("Operating system", "操作系统"),
        say("Ports", "端口"),
    )
    return Table(headers, rows)


def _scanned_os(site: SiteRecords) -> dict[str, str]:
    scan = site.scan
    found: dict[str, str] = {}
    if scan is None or scan.scan is None:
        return found
    for host in scan.scan.hosts:
        facts = host.facts
        if facts is not None and facts.os is not None:
            name = facts.os.pretty_name or f"{facts.os.id} {facts.os.version_id or ''}".strip()
            found[host.host] = f"{name}, {facts.kernel}" if facts.kernel else name
    return found


def secret_values(site: SiteRecords) -> list[str]:
    """The values of the spec's secrets that can be read here, so that none of them is ever
    written into a document, whatever record it might have slipped into."""
    values = []
    for ref in _references(site.loaded.env):
        try:
            values.append(ref.reveal(site.loaded.base_dir))
        except SecretUnavailable:
            continue
    return [value for value in values if value]


def _references(value: Any) -> Iterator[SecretRef]:
    if isinstance(value, SecretRef):
        yield value
    elif isinstance(value, str):
        ref = secret_reference(value)
        if ref is not None:
            yield ref
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _references(getattr(value, name))
    elif is_dataclass(value) and not isinstance(value, type):
        for field in fields(value):
            yield from _references(getattr(value, field.name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _references(item)
