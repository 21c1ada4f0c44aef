"""``cpu.arch``: the host's machine architecture is one the matrix lists."""

from __future__ import annotations

from deployer.checks.context import HostContext, Msg
from deployer.checks.model import CheckResult, Status

TITLE = Msg("CPU architecture is supported", "CPU 架构在支持范围内")

#: Names other tools print for the architectures ``uname -m`` reports.
_ALIASES = {"amd64": "x86_64", "x86-64": "x86_64", "arm64": "aarch64", "loong64": "loongarch64"}


def normalise(arch: str) -> str:
    lowered = arch.strip().lower()
    return _ALIASES.get(lowered, lowered)


def check(ctx: HostContext) -> list[CheckResult]:
    supported = ", ".join(ctx.matrix.arch)
    if ctx.facts.arch is None:
        return [ctx.unknown("cpu.arch", TITLE, "cpu.arch", supported)]
    arch = normalise(ctx.facts.arch)
    if arch in ctx.matrix.arch:
        return [ctx.result("cpu.arch", Status.PASS, TITLE, arch, supported)]
    return [
        ctx.result(
            "cpu.arch",
            Status.FAIL,
            TITLE,
            arch,
            supported,
            remediation=Msg(
                f"Use a {supported} server for {ctx.name}; the product is not built for {arch}.",
                f"请为 {ctx.name} 使用 {supported} 架构的服务器；产品不支持 {arch}。",
            ),
        )
    ]
