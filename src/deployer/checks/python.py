"""``python.manager``: a Python on the host that one of deployer's Ansible engines manages.

* PASS: the interpreter and engine that will manage the host (``facts.engines``).
* WARN: ``--ansible-engine 2.16`` runs a Python newer than 2.16 documents (3.13+), or there
  is no usable Python but ``--bootstrap-python`` would install one (the scan only says so).
* FAIL (blocking): no Python any engine can manage: Ansible cannot run there at all.
"""

from __future__ import annotations

import posixpath

from deployer.checks.context import HostContext, Msg
from deployer.checks.model import CheckResult, Status
from deployer.facts.engines import Manager, NoManager, choose_manager
from deployer.facts.python import install_python_command

CHECK_ID = "python.manager"
TITLE = Msg("A Python on the host can run Ansible", "主机上有可供 Ansible 使用的 Python")
REQUIRED = "Python 3.8+ (engine current), or 3.6, 3.7 or 2.7 (engine 2.16)"


def check(ctx: HostContext) -> list[CheckResult]:
    pythons = ctx.facts.pythons
    if pythons is None:
        return [ctx.unknown(CHECK_ID, TITLE, "python.interpreters", REQUIRED)]
    manager = choose_manager(pythons, ctx.engine, pkg_manager=ctx.facts.pkg_manager)
    if isinstance(manager, NoManager):
        return [_none(ctx, manager)]
    if manager.documented:
        return [ctx.result(CHECK_ID, Status.PASS, TITLE, describe(manager), REQUIRED)]
    return [_undocumented(ctx, manager)]


def describe(manager: Manager) -> str:
    """``python3 3.9.2 at /usr/bin/python3, engine current (ansible-core 2.19)``."""
    python = manager.interpreter
    name = posixpath.basename(python.path)
    return f"{name} {python.version} at {python.path}, engine {manager.engine}"


def _undocumented(ctx: HostContext, manager: Manager) -> CheckResult:
    engine = manager.engine
    newest = ".".join(str(part) for part in engine.newest3 or ())
    return ctx.result(
        CHECK_ID,
        Status.WARN,
        TITLE,
        describe(manager),
        f"{REQUIRED}; engine {engine.name} documents target Pythons up to {newest}",
        remediation=Msg(
            f"Engine {engine.name} is documented for target Pythons up to {newest}: on "
            f"{ctx.name} it runs {manager.interpreter.version} anyway. Leave out "
            "--ansible-engine to manage this host with the current engine.",
            f"{engine.name} 引擎仅支持到 Python {newest}，{ctx.name} 上的 "
            f"{manager.interpreter.version} 仍会使用。去掉 --ansible-engine 即可改用当前引擎。",
        ),
    )


def _none(ctx: HostContext, manager: NoManager) -> CheckResult:
    command = install_python_command(ctx.facts.pkg_manager)
    if command is None:
        return ctx.result(
            CHECK_ID,
            Status.FAIL,
            TITLE,
            manager.reason,
            REQUIRED,
            remediation=Msg(
                f"Install python3 on {ctx.name} from the OS media with its package manager.",
                f"请使用系统安装介质，通过包管理器在 {ctx.name} 上安装 python3。",
            ),
        )
    if ctx.bootstrap_python:
        return ctx.result(
            CHECK_ID,
            Status.WARN,
            TITLE,
            f"{manager.reason}; apply --bootstrap-python would run: {command}",
            REQUIRED,
            remediation=Msg(
                f"deployer apply --bootstrap-python installs python3 on {ctx.name} ({command}) "
                "before Ansible runs; this scan changed nothing.",
                f"deployer apply --bootstrap-python 会在 Ansible 运行前于 {ctx.name} 上安装 "
                f"python3（{command}）；本次检查未做任何更改。",
            ),
        )
    return ctx.result(
        CHECK_ID,
        Status.FAIL,
        TITLE,
        manager.reason,
        REQUIRED,
        remediation=Msg(
            f"Install python3 on {ctx.name} from the OS media ({command}), or run deployer "
            f"apply with --bootstrap-python to have it installed over SSH.{_unforce(ctx)}",
            f"请使用系统安装介质在 {ctx.name} 上安装 python3（{command}），"
            "或运行 deployer apply --bootstrap-python 由 deployer 通过 SSH 安装。",
        ),
        fixup=(command,),
    )


def _unforce(ctx: HostContext) -> str:
    """A forced engine may be what refuses the host's Python."""
    if ctx.engine is None or not ctx.facts.pythons:
        return ""
    return f" Or leave out --ansible-engine {ctx.engine} to let deployer choose the engine."
