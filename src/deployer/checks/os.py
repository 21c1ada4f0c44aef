"""``os.family`` and ``os.version``: the host runs an OS release the matrix supports."""

from __future__ import annotations

from deployer.checks import versions
from deployer.checks.context import HostContext, Msg
from deployer.checks.model import CheckResult, Status
from deployer.facts.model import OsRelease

FAMILY = Msg("Operating system family is supported", "操作系统类型在支持范围内")
VERSION = Msg("Operating system version is supported", "操作系统版本在支持范围内")


def check(ctx: HostContext) -> list[CheckResult]:
    release = ctx.facts.os
    families = ", ".join(entry.family for entry in ctx.matrix.os)
    if release is None:
        return [ctx.unknown("os.family", FAMILY, "os.release", families)]
    supported = {entry.family: entry.versions for entry in ctx.matrix.os}
    if release.family is None or release.family not in supported:
        return [
            ctx.result(
                "os.family",
                Status.FAIL,
                FAMILY,
                _describe(release),
                families,
                remediation=Msg(
                    f"Install one of the supported operating systems ({families}) on "
                    f"{ctx.name}, or obtain the vendor's certification for {release.id}.",
                    f"请在 {ctx.name} 上安装受支持的操作系统（{families}），"
                    f"或取得厂商对 {release.id} 的认证。",
                ),
            )
        ]
    family_ok = ctx.result("os.family", Status.PASS, FAMILY, _describe(release), families)
    return [family_ok, _version(ctx, release, supported[release.family])]


def _version(ctx: HostContext, release: OsRelease, wanted: str) -> CheckResult:
    required = f"{release.family} {wanted}"
    observed = f"{release.family} {release.family_version or '?'}"
    if release.update:
        observed += f" ({release.update})"
    version = versions.parse_or_none(release.family_version)
    if version is None:
        return ctx.result(
            "os.version",
            Status.UNKNOWN,
            VERSION,
            f"{observed}: no comparable version in os-release",
            required,
            remediation=Msg(
                f"Confirm the OS version of {ctx.name} by hand.",
                f"请手工确认 {ctx.name} 的操作系统版本。",
            ),
        )
    if versions.matches(version, wanted):
        return ctx.result("os.version", Status.PASS, VERSION, observed, required)
    return ctx.result(
        "os.version",
        Status.FAIL,
        VERSION,
        observed,
        required,
        remediation=Msg(
            f"Upgrade or reinstall {ctx.name} with {release.family} {wanted}.",
            f"请将 {ctx.name} 升级或重装为 {release.family} {wanted}。",
        ),
    )


def _describe(release: OsRelease) -> str:
    name = release.pretty_name or release.name or release.id
    return f"{name} (ID={release.id})"
