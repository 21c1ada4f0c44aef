"""``bundle.covers`` (with ``--bundle``): the bundle holds packages for the host's release
and architecture, so an install from it needs nothing from outside. Hosts of the RedHat
family FAIL too: their RPM repositories are built into bundles but not installed from yet."""

from __future__ import annotations

from deployer.checks.arch import normalise
from deployer.checks.context import HostContext, Msg
from deployer.checks.model import CheckResult, Status
from deployer.facts.platform import platform_of

TITLE = Msg(
    "The bundle covers the host's release and architecture", "离线包覆盖该主机的系统版本和架构"
)


def check(ctx: HostContext) -> list[CheckResult]:
    bundle = ctx.bundle
    if bundle is None:
        return []
    wanted = f"{', '.join(bundle.releases) or 'no release'} on {bundle.arch}"
    platform = platform_of(ctx.facts.os) if ctx.facts.os is not None else None
    if platform is None or ctx.facts.arch is None:
        return [ctx.unknown("bundle.covers", TITLE, "os.release", wanted)]
    arch = normalise(ctx.facts.arch)
    seen = f"{platform.release} on {arch}"
    if platform.family != "Debian":
        why = Msg(
            f"Install {ctx.name} from its own repositories or a local mirror: deployer installs "
            "from a bundle on the Debian family only.",
            f"请为 {ctx.name} 使用其自身软件源或本地镜像：离线包目前只用于 Debian 系列。",
        )
        return [ctx.result("bundle.covers", Status.FAIL, TITLE, seen, wanted, remediation=why)]
    if platform.release in bundle.releases and arch == bundle.arch:
        return [ctx.result("bundle.covers", Status.PASS, TITLE, seen, wanted)]
    build = f"deployer bundle build SPEC --os {ctx.name}={platform.release} --arch {arch}"
    fix = Msg(
        f"Build a bundle that covers {ctx.name}: {build}",
        f"请构建覆盖 {ctx.name} 的离线包：{build}",
    )
    return [ctx.result("bundle.covers", Status.FAIL, TITLE, seen, wanted, remediation=fix)]
