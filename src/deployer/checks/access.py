"""``access.login`` and ``access.root``: how the scan reached the host and became root there.

* ``access.login`` (PASS on every host the scan reached): directly or through which jump
  hosts, as which user, with which kind of login. A host not reached has no results at all:
  the report says why it was unreachable.
* ``access.root``, for hosts that become root with a password (sudo asking for the user's,
  or su with root's): PASS naming the method that made the login user root; FAIL (blocking)
  when it did not. A refused password never gets here: the host is reported unreachable,
  naming the method (exit 5). ``become: true`` (sudo without a password) is
  ``sudo.nopasswd``'s, from the probe.
"""

from __future__ import annotations

from deployer.checks.context import HostContext, Msg
from deployer.checks.model import CheckResult, Status
from deployer.spec.access import Become
from deployer.spec.environment import Environment, Host

LOGIN = Msg("deployer can log in", "deployer 可以登录")
ROOT = Msg("deployer becomes root the way the spec says", "deployer 可按规格中的方式获得 root 权限")

_LOGINS = {"key": "key file", "agent": "ssh-agent", "password": "password"}


def check(ctx: HostContext) -> list[CheckResult]:
    login = describe_login(ctx.env, ctx.host)
    results = [ctx.result("access.login", Status.PASS, LOGIN, login, "the spec's way in")]
    become = ctx.host.becomes
    if not needs_password(ctx.host) or become is None:
        return results
    required = f"root through {describe_become(become)}"
    access = ctx.facts.access
    if access is None:
        return [*results, ctx.unknown("access.root", ROOT, "access.root", required)]
    made = access.root_user or f"nobody else ({access.error})"
    observed = f"{describe_become(become)} made {ctx.host.user} {made}"
    if access.root_user == "root":
        return [*results, ctx.result("access.root", Status.PASS, ROOT, observed, required)]
    fail = ctx.result(
        "access.root",
        Status.FAIL,
        ROOT,
        observed,
        required,
        remediation=Msg(
            f"Let {ctx.host.user} become root on {ctx.name} with {describe_become(become)}.",
            f"请允许 {ctx.host.user} 在 {ctx.name} 上通过 {describe_become(become)} 获得 root。",
        ),
    )
    return [*results, fail]


def describe_login(env: Environment, host: Host) -> str:
    """``deploy@10.0.0.21 via app1, password login``."""
    route = env.route_to(host.name)
    where = f" via {' -> '.join(route)}" if route else " directly"
    return f"{host.user}@{host.address}{where}, {_LOGINS[host.auth.type]} login"


def needs_password(host: Host) -> bool:
    """Whether ``host`` becomes root with a password (su, or sudo asking for one)."""
    become = host.becomes
    if become is None or host.user == "root":
        return False
    return become.method == "su" or become.password is not None


def describe_become(become: Become) -> str:
    if become.method == "su":
        return "su with root's password"
    return "sudo with the user's password" if become.password else "sudo without a password"
