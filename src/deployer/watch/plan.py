"""What the watch samples on each host, from the spec: the disks of / and the spec's watched
paths everywhere; nginx's access log and its health page through nginx on web hosts; the
health page straight from Tomcat, its log of the product's exceptions and its unit's journal
on app hosts. Pages are asked from the host itself (loopback), so a bastion between the
engineer and the hosts changes nothing."""

from __future__ import annotations

from deployer.spec import Environment, Host
from deployer.spec.layout import product_layout
from deployer.watch.sampler import HealthUrl, SampleRequest, WatchedLog

NGINX_ACCESS_LOG = "/var/log/nginx/access.log"


def sample_requests(env: Environment) -> dict[str, SampleRequest]:
    return {host.name: _request(env, host) for host in env.hosts}


def _request(env: Environment, host: Host) -> SampleRequest:
    paths = tuple(dict.fromkeys(("/", *env.watch.paths)))
    logs: list[WatchedLog] = []
    pages: list[HealthUrl] = []
    health = env.product.health_path
    port = env.nginx_ports().get(host.name)
    if port is not None:
        logs.append(WatchedLog("nginx", NGINX_ACCESS_LOG, "access"))
        pages.append(HealthUrl("nginx", f"http://127.0.0.1:{port}{health}"))
    tomcat = env.tomcat_ports().get(host.name)
    if tomcat is not None and env.middleware.tomcat is not None:
        layout = product_layout(env)
        # A webapp's uncaught exceptions go to localhost.DATE.log only (Tomcat's logging
        # gives that logger its own file and no parent handlers); the console, in the unit's
        # journal, has Tomcat's own: a context that failed to start, a port taken.
        logs.append(WatchedLog("tomcat", f"{layout.tomcat_logs}/localhost.*.log", "errors"))
        logs.append(WatchedLog("tomcat-journal", f"{layout.service}.service", "journal"))
        pages.append(HealthUrl("tomcat", f"http://127.0.0.1:{tomcat}{health}"))
    return SampleRequest(paths, tuple(logs), tuple(pages))
