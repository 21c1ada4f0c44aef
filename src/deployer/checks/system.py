"""Host settings that bite later rather than at install time: WARN unless the spec needs them.

* ``time.zone``: WARN when the product's ``config.timezone`` differs from the host's.
* ``time.sync``: WARN when no time daemon runs (database timestamps drift apart).
* ``limits.nofile``: WARN under ``NOFILE_RECOMMENDED`` for the login session.
* ``locale.encoding``: WARN when the system locale is not UTF-8 (Chinese text, Java I/O).
* ``security.selinux``: WARN when enforcing on a web host (nginx needs to connect to Tomcat).
* ``security.firewall``: WARN when a firewall is active: the services' ports must be opened.
* ``sudo.nopasswd``: FAIL when the host says ``become: true`` but the user cannot
  ``sudo -n``: deployer cannot install anything there (``SUDO_FAILURE`` to relax it).
"""

from __future__ import annotations

from deployer.checks import fixup
from deployer.checks.context import HostContext, Msg
from deployer.checks.model import CheckResult, Status
from deployer.checks.ports import service_ports

NOFILE_RECOMMENDED = 65535
SUDO_FAILURE = Status.FAIL

TIME_ZONE = Msg("Time zone is the product's", "时区与产品配置一致")
TIME_SYNC = Msg("Clock is synchronised", "系统时间已同步")
NOFILE = Msg("Open files limit is high enough", "文件句柄数上限足够")
LOCALE = Msg("System locale is UTF-8", "系统字符集为 UTF-8")
SELINUX = Msg("SELinux lets the services work", "SELinux 不妨碍服务运行")
FIREWALL = Msg("Firewall lets the services' ports through", "防火墙放行服务端口")
SUDO = Msg("deployer can become root", "deployer 可以免密 sudo")


def check(ctx: HostContext) -> list[CheckResult]:
    return [
        _time_zone(ctx),
        _time_sync(ctx),
        _nofile(ctx),
        _locale(ctx),
        _selinux(ctx),
        _firewall(ctx),
        *_sudo(ctx),
    ]


def _time_zone(ctx: HostContext) -> CheckResult:
    configured = ctx.env.product.config.get("timezone")
    wanted = configured if isinstance(configured, str) and configured else None
    required = wanted or "any (the product sets no config.timezone)"
    zone = ctx.facts.timezone
    if zone is None:
        return ctx.unknown("time.zone", TIME_ZONE, "time.zone", required)
    observed = zone.name or f"{zone.abbreviation} {zone.offset}"
    if wanted is None or zone.name == wanted:
        return ctx.result("time.zone", Status.PASS, TIME_ZONE, observed, required)
    return ctx.result(
        "time.zone",
        Status.WARN,
        TIME_ZONE,
        observed,
        required,
        remediation=Msg(
            f"Set the time zone of {ctx.name} to {wanted} (timedatectl set-timezone).",
            f"请将 {ctx.name} 的时区设为 {wanted}（timedatectl set-timezone）。",
        ),
        fixup=fixup.set_timezone(wanted),
    )


def _time_sync(ctx: HostContext) -> CheckResult:
    required = "chronyd, ntpd or systemd-timesyncd running"
    sync = ctx.facts.time_sync
    if sync is None:
        return ctx.unknown("time.sync", TIME_SYNC, "time.sync", required)
    if sync.container and not sync.active:
        observed = f"a container ({sync.container}): its host keeps the clock"
        return ctx.result("time.sync", Status.PASS, TIME_SYNC, observed, required)
    if sync.active or sync.synchronized:
        observed = ", ".join(sync.services) or "NTP service active"
        if sync.synchronized is not None:
            observed += "; synchronised" if sync.synchronized else "; not synchronised yet"
        return ctx.result("time.sync", Status.PASS, TIME_SYNC, observed, required)
    return ctx.result(
        "time.sync",
        Status.WARN,
        TIME_SYNC,
        "no time synchronisation service running",
        required,
        remediation=Msg(
            f"Install and enable chrony on {ctx.name}, pointed at the site's NTP server.",
            f"请在 {ctx.name} 上安装并启用 chrony，并指向现场的 NTP 服务器。",
        ),
        fixup=fixup.enable_time_sync(ctx.facts.pkg_manager),
    )


def _nofile(ctx: HostContext) -> CheckResult:
    required = f"soft >= {NOFILE_RECOMMENDED}"
    limit = ctx.facts.nofile
    if limit is None:
        return ctx.unknown("limits.nofile", NOFILE, "limits.nofile", required)
    observed = f"soft {limit.soft}, hard {limit.hard}"
    if limit.soft == "unlimited" or limit.soft >= NOFILE_RECOMMENDED:
        return ctx.result("limits.nofile", Status.PASS, NOFILE, observed, required)
    return ctx.result(
        "limits.nofile",
        Status.WARN,
        NOFILE,
        observed,
        required,
        remediation=Msg(
            f"Raise nofile to {NOFILE_RECOMMENDED} for {ctx.host.user} in limits.conf "
            "(and LimitNOFILE= in the services' systemd units).",
            f"请在 limits.conf 中将 {ctx.host.user} 的 nofile 提高到 {NOFILE_RECOMMENDED}"
            "（systemd 服务另需设置 LimitNOFILE=）。",
        ),
        fixup=fixup.raise_nofile(ctx.host.user, NOFILE_RECOMMENDED),
    )


def _locale(ctx: HostContext) -> CheckResult:
    required = "a UTF-8 locale (LANG=...UTF-8)"
    locale = ctx.facts.locale
    if locale is None:
        return ctx.unknown("locale.encoding", LOCALE, "locale", required)
    observed = locale.effective or "not set (POSIX)"
    if locale.utf8:
        return ctx.result("locale.encoding", Status.PASS, LOCALE, observed, required)
    available = [name for name in locale.utf8_locales if name.lower().startswith("c.")]
    choice = "C.UTF-8" if available else (locale.utf8_locales or ("en_US.UTF-8",))[0]
    return ctx.result(
        "locale.encoding",
        Status.WARN,
        LOCALE,
        observed,
        required,
        remediation=Msg(
            f"Set a UTF-8 system locale on {ctx.name} (localectl set-locale LANG={choice}).",
            f"请将 {ctx.name} 的系统字符集设为 UTF-8（localectl set-locale LANG={choice}）。",
        ),
        fixup=fixup.set_locale(choice),
    )


def _selinux(ctx: HostContext) -> CheckResult:
    required = "nginx may connect to Tomcat (httpd_can_network_connect) where enforcing"
    selinux = ctx.facts.selinux
    if selinux is None:
        return ctx.unknown("security.selinux", SELINUX, "security.selinux", required)
    if selinux.mode != "enforcing" or not ctx.has("web"):
        return ctx.result("security.selinux", Status.PASS, SELINUX, selinux.mode, required)
    return ctx.result(
        "security.selinux",
        Status.WARN,
        SELINUX,
        "enforcing",
        required,
        remediation=Msg(
            f"Allow nginx on {ctx.name} to reach Tomcat: setsebool -P httpd_can_network_connect 1.",
            f"请允许 {ctx.name} 上的 nginx 访问 Tomcat：setsebool -P httpd_can_network_connect 1。",
        ),
        fixup=fixup.allow_proxy_under_selinux(),
    )


def _firewall(ctx: HostContext) -> CheckResult:
    ports = [need.port for need in service_ports(ctx.env, ctx.matrix, ctx.host)]
    listed = ", ".join(str(p) for p in ports) or "none"
    required = f"TCP {listed} reachable from the hosts and users that need them"
    firewall = ctx.facts.firewall
    if firewall is None:
        return ctx.unknown("security.firewall", FIREWALL, "security.firewall", required)
    if not firewall.active or not ports:
        observed = "active" if firewall.active else "no active firewall found"
        return ctx.result("security.firewall", Status.PASS, FIREWALL, observed, required)
    what = ", ".join(firewall.services) or "rules loaded"
    return ctx.result(
        "security.firewall",
        Status.WARN,
        FIREWALL,
        f"active: {what}",
        required,
        remediation=Msg(
            f"Open TCP {listed} in the firewall of {ctx.name} for the hosts that connect to them.",
            f"请在 {ctx.name} 的防火墙上为需要访问的主机放行 TCP {listed}。",
        ),
        fixup=fixup.open_ports(firewall, ports),
    )


def _sudo(ctx: HostContext) -> list[CheckResult]:
    become = ctx.host.becomes
    if become is None or become.method == "su" or become.password is not None:
        return []  # not sudo without a password: access.root tries the spec's own way
    required = "root, or sudo without a password (become: true)"
    sudo = ctx.facts.sudo
    if sudo is None:
        return [ctx.unknown("sudo.nopasswd", SUDO, "sudo.nopasswd", required)]
    observed = f"{sudo.user or '?'}: {sudo.state}" + (f" ({sudo.message})" if sudo.message else "")
    if sudo.can_become:
        return [ctx.result("sudo.nopasswd", Status.PASS, SUDO, observed, required)]
    return [
        ctx.result(
            "sudo.nopasswd",
            SUDO_FAILURE,
            SUDO,
            observed,
            required,
            remediation=Msg(
                f"Let {ctx.host.user} run sudo without a password on {ctx.name} "
                f"(a sudoers.d entry with NOPASSWD), connect as root, or give the spec "
                "the way the host allows: become: {password: ...} for sudo with the user's "
                "password, become: {method: su, password: ...} for su with root's.",
                f"请在 {ctx.name} 上为 {ctx.host.user} 配置免密 sudo（sudoers.d 中的 NOPASSWD），"
                "或以 root 连接。",
            ),
        )
    ]
