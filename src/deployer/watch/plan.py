"""What the watch samples on each host, from the spec: the disks of / and the spec's watched
paths everywhere; nginx's access log and its health page through nginx on web hosts; the
health page straight from Tomcat on app hosts. Pages are asked from the host itself
(loopback), so a bastion between the engineer and the hosts changes nothing."""

from __future__ import annotations

from deployer.spec import Environment, Host
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
        # Package or tarball, the unit is tomcat<major>, and Tomcat's console log, the
        # product's exceptions included, goes to its journal.
        major = env.middleware.tomcat.version.split(".")[0]
        logs.append(WatchedLog("tomcat", f"tomcat{major}.service", "journal"))
        pages.append(HealthUrl("tomcat", f"http://127.0.0.1:{tomcat}{health}"))
    return SampleRequest(paths, tuple(logs), tuple(pages))
