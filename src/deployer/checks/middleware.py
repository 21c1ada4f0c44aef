"""JDK, Tomcat and nginx: what the spec will install, and what the host already has.

* ``spec.jdk.version``, ``spec.tomcat.version`` (hosts with the app role): the versions the
  spec asks deployer to install must be inside the matrix: FAIL otherwise.
* ``jdk.version``, ``tomcat.version`` (app role), ``nginx.version`` (web role): installs found
  on the host. None yet is fine, the product installs them (PASS); one outside the matrix
  is a WARN, since deployer's own install will replace it or sit beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from deployer.checks import versions
from deployer.checks.context import HostContext, Msg, new_result
from deployer.checks.model import CheckResult, Status
from deployer.spec.environment import Environment, Host, Role
from deployer.spec.matrix import SupportMatrix


@dataclass(frozen=True)
class Component:
    name: str
    role: Role
    fact_id: str
    kind: versions.Kind
    title: Msg
    spec_title: Msg


JDK = Component(
    "jdk",
    "app",
    "java.installs",
    "jdk",
    Msg("Installed JDKs are supported", "已安装的 JDK 在支持范围内"),
    Msg("JDK version in the spec is supported", "规格文件中的 JDK 版本在支持范围内"),
)
TOMCAT = Component(
    "tomcat",
    "app",
    "tomcat.install",
    "generic",
    Msg("Installed Tomcat is supported", "已安装的 Tomcat 在支持范围内"),
    Msg("Tomcat version in the spec is supported", "规格文件中的 Tomcat 版本在支持范围内"),
)
NGINX = Component(
    "nginx",
    "web",
    "nginx.version",
    "generic",
    Msg("Installed nginx is supported", "已安装的 nginx 在支持范围内"),
    Msg("nginx version in the spec is supported", "规格文件中的 nginx 版本在支持范围内"),
)


def _wanted(env: Environment, component: Component) -> str | None:
    """The version the spec installs (nginx comes from the OS and has none)."""
    section = getattr(env.middleware, component.name, None)
    return getattr(section, "version", None)


def _range(matrix: SupportMatrix, component: Component) -> str | None:
    value = getattr(matrix, component.name)
    return value if isinstance(value, str) else None


def spec_checks(env: Environment, matrix: SupportMatrix, host: Host) -> list[CheckResult]:
    """``spec.<component>.version`` for the components the host's roles install."""
    results = []
    for component in (JDK, TOMCAT):
        wanted, allowed = _wanted(env, component), _range(matrix, component)
        if component.role not in host.roles or wanted is None or allowed is None:
            continue
        check_id = f"spec.{component.name}.version"
        ok = versions.in_range(wanted, allowed, component.kind)
        results.append(
            new_result(
                check_id,
                Status.PASS if ok else Status.FAIL,
                component.spec_title,
                f"middleware.{component.name}.version: {wanted}",
                allowed,
                host=host.name,
                remediation=Msg(
                    f"Set middleware.{component.name}.version in the spec to a version "
                    f"in {allowed}.",
                    f"请将规格文件中的 middleware.{component.name}.version 改为 {allowed} "
                    "范围内的版本。",
                ),
            )
        )
    return results


def check(ctx: HostContext) -> list[CheckResult]:
    results = []
    for component in (JDK, TOMCAT, NGINX):
        allowed = _range(ctx.matrix, component)
        if ctx.has(component.role) and allowed is not None:
            results.append(_installed(ctx, component, allowed))
    return results


def _found(ctx: HostContext, component: Component) -> Sequence[tuple[str, str]] | None:
    """(version, where) of each install found, or None when unknown."""
    facts = ctx.facts
    if component is JDK:
        return (
            None
            if facts.jdks is None
            else [(j.version, _jdk_where(j.home, j.vendor)) for j in facts.jdks]
        )
    if component is TOMCAT:
        return (
            None if facts.tomcats is None else [(t.version or "?", t.home) for t in facts.tomcats]
        )
    return (
        None
        if facts.nginx is None
        else [(n.version, f"{n.product} {n.binary}") for n in facts.nginx]
    )


def _jdk_where(home: str, vendor: str | None) -> str:
    return f"{vendor}, {home}" if vendor else home


def _installed(ctx: HostContext, component: Component, allowed: str) -> CheckResult:
    check_id = f"{component.name}.version"
    wanted = _wanted(ctx.env, component)
    required = allowed + (f" (the spec installs {wanted})" if wanted else "")
    found = _found(ctx, component)
    if found is None:
        return ctx.unknown(check_id, component.title, component.fact_id, required)
    if not found:
        observed = "none installed" + (
            "; deployer installs it" if wanted or component is NGINX else ""
        )
        return ctx.result(check_id, Status.PASS, component.title, observed, required)
    observed = "; ".join(f"{version} ({where})" for version, where in found)
    outside = [
        where for version, where in found if not versions.in_range(version, allowed, component.kind)
    ]
    if not outside:
        return ctx.result(check_id, Status.PASS, component.title, observed, required)
    return ctx.result(
        check_id,
        Status.WARN,
        component.title,
        observed,
        required,
        remediation=Msg(
            f"{component.name} outside {allowed} is installed on {ctx.name} "
            f"({'; '.join(outside)}): make sure the product will not use it, or remove it.",
            f"{ctx.name} 上已安装 {allowed} 范围外的 {component.name}（{'；'.join(outside)}）："
            "请确认产品不会使用它，或将其卸载。",
        ),
    )
