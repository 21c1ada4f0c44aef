"""``cpu.count``, ``memory.total`` and ``disk.free:<path>`` against the roles' needs.

A host with several roles needs the largest figure of any of them. Paths that end up on one
filesystem share its free space, so each is checked against the sum of their needs.
MemTotal excludes what the kernel reserves (crashkernel alone takes 160-256 MB on EL), so a
"2 GB" server reports 1.7-1.9 GB: a shortfall within ``MEMORY_TOLERANCE`` is a WARN.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from deployer.checks.context import HostContext, Msg
from deployer.checks.model import CheckResult, Status
from deployer.spec.environment import Role
from deployer.spec.matrix import SupportMatrix

CPUS = Msg("Enough CPU cores", "CPU 核数满足要求")
MEMORY = Msg("Enough memory", "内存满足要求")
DISK = Msg("Enough free disk space", "磁盘可用空间满足要求")

#: MemTotal may fall this far short of the requirement (as a fraction) and only WARN.
MEMORY_TOLERANCE = 0.85


@dataclass(frozen=True)
class Needs:
    cpus: int
    memory_mb: int
    disks: dict[str, float] = field(default_factory=dict)
    roles: tuple[Role, ...] = ()


def needs(matrix: SupportMatrix, roles: tuple[Role, ...]) -> Needs | None:
    """The largest need of each kind over the host's roles; None if no role has any."""
    entries = [(role, matrix.resources[role]) for role in roles if role in matrix.resources]
    if not entries:
        return None
    disks: dict[str, float] = {}
    for _, resources in entries:
        for disk in resources.disk:
            disks[disk.path] = max(disks.get(disk.path, 0.0), disk.free_gb)
    return Needs(
        cpus=max(r.cpus for _, r in entries),
        memory_mb=max(r.memory_mb for _, r in entries),
        disks=disks,
        roles=tuple(role for role, _ in entries),
    )


def check(ctx: HostContext) -> list[CheckResult]:
    wanted = needs(ctx.matrix, ctx.roles)
    if wanted is None:
        return []
    return [_cpus(ctx, wanted), _memory(ctx, wanted), *_disks(ctx, wanted)]


def _for_roles(wanted: Needs) -> str:
    return f" (roles: {', '.join(wanted.roles)})"


def _cpus(ctx: HostContext, wanted: Needs) -> CheckResult:
    required = f">= {wanted.cpus}{_for_roles(wanted)}"
    cpus = ctx.facts.cpus
    if cpus is None:
        return ctx.unknown("cpu.count", CPUS, "cpu.count", required)
    if cpus >= wanted.cpus:
        return ctx.result("cpu.count", Status.PASS, CPUS, str(cpus), required)
    return ctx.result(
        "cpu.count",
        Status.FAIL,
        CPUS,
        str(cpus),
        required,
        remediation=Msg(
            f"Give {ctx.name} at least {wanted.cpus} CPU cores.",
            f"请为 {ctx.name} 分配至少 {wanted.cpus} 个 CPU 核。",
        ),
    )


def _memory(ctx: HostContext, wanted: Needs) -> CheckResult:
    required = f">= {wanted.memory_mb} MB{_for_roles(wanted)}"
    memory = ctx.facts.memory_mb
    if memory is None:
        return ctx.unknown("memory.total", MEMORY, "memory.total", required)
    observed = f"{memory} MB"
    if memory >= wanted.memory_mb:
        return ctx.result("memory.total", Status.PASS, MEMORY, observed, required)
    status = Status.WARN if memory >= wanted.memory_mb * MEMORY_TOLERANCE else Status.FAIL
    return ctx.result(
        "memory.total",
        status,
        MEMORY,
        observed,
        required,
        remediation=Msg(
            f"Give {ctx.name} at least {wanted.memory_mb} MB of memory.",
            f"请为 {ctx.name} 分配至少 {wanted.memory_mb} MB 内存。",
        ),
    )


def _disks(ctx: HostContext, wanted: Needs) -> list[CheckResult]:
    by_mount: dict[str, list[str]] = defaultdict(list)
    for path in wanted.disks:
        found = ctx.facts.disk(path)
        if found is not None:
            by_mount[found.mount].append(path)
    results = []
    for path, need in wanted.disks.items():
        check_id = f"disk.free:{path}"
        found = ctx.facts.disk(path)
        if found is None:
            results.append(ctx.unknown(check_id, DISK, "disk.free", f">= {_gb(need)} GB"))
            continue
        sharing = by_mount[found.mount]
        total = sum(wanted.disks[p] for p in sharing)
        required = f">= {_gb(need)} GB"
        if len(sharing) > 1:
            parts = " + ".join(f"{_gb(wanted.disks[p])} GB for {p}" for p in sharing)
            required = f">= {_gb(total)} GB on {found.mount} ({parts})"
        observed = f"{_gb(found.free_gb)} GB free on {found.mount}"
        if found.free_gb >= total:
            results.append(ctx.result(check_id, Status.PASS, DISK, observed, required))
            continue
        remediation = Msg(
            f"Free or add at least {_gb(total - found.free_gb)} GB on the filesystem "
            f"holding {path} ({found.mount}) on {ctx.name}.",
            f"请在 {ctx.name} 上为 {path} 所在文件系统（{found.mount}）"
            f"释放或扩容至少 {_gb(total - found.free_gb)} GB。",
        )
        results.append(
            ctx.result(check_id, Status.FAIL, DISK, observed, required, remediation=remediation)
        )
    return results


def _gb(value: float) -> str:
    return f"{round(value, 2):g}"
