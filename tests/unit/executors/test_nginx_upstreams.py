"""Which Tomcats nginx proxies to, and on which port: each app host's own, host overrides
included (Environment.tomcat_ports), down to the `server` lines of the rendered site."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from deployer.executors.ansible.variables import extra_vars, host_vars
from deployer.spec import load_environment
from deployer.spec.environment import Environment

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "huadong-production.yml"
NGINX = REPO / "roles" / "nginx"


def environment(hosts: list[dict[str, Any]]) -> Environment:
    """The example with other hosts (their database host kept as db1)."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["hosts"] = [{"user": "deploy", "auth": {"type": "agent"}, **host} for host in hosts]
    return Environment.model_validate(data, context={"allow_inline_secrets": False})


def host(name: str, address: str, roles: list[str], port: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name, "address": address, "roles": roles}
    if port is not None:
        found["overrides"] = {"tomcat": {"port": port}}
    return found


DB = host("db1", "10.20.30.21", ["db"])


def upstreams(env: Environment, name: str) -> Any:
    web_host = env.host(name)
    assert web_host is not None
    return host_vars(env, web_host)["nginx_upstream_servers"]


def test_a_colocated_nginx_proxies_to_the_port_its_host_overrides() -> None:
    env = environment([host("app1", "10.20.30.11", ["web", "app"], port=8081), DB])
    assert upstreams(env, "app1") == [{"address": "127.0.0.1", "port": 8081}]


def test_each_colocated_nginx_proxies_to_its_own_tomcat() -> None:
    env = environment(
        [
            host("app1", "10.20.30.11", ["web", "app"], port=8081),
            host("app2", "10.20.30.12", ["web", "app"]),
            DB,
        ]
    )
    assert upstreams(env, "app1") == [{"address": "127.0.0.1", "port": 8081}]
    assert upstreams(env, "app2") == [{"address": "127.0.0.1", "port": 8080}]


def test_a_separate_web_host_proxies_to_every_app_host_on_its_port() -> None:
    env = environment(
        [
            host("web1", "10.20.30.5", ["web"]),
            host("app1", "10.20.30.11", ["app"], port=8081),
            host("app2", "fd00::12", ["app"]),
            DB,
        ]
    )
    assert upstreams(env, "web1") == [
        {"address": "10.20.30.11", "port": 8081},
        {"address": "fd00::12", "port": 8080},
    ]
    assert "nginx_upstream_servers" not in host_vars(env, env.hosts[1])


def test_the_port_is_not_an_extra_var_that_would_win_over_every_host() -> None:
    loaded = load_environment(EXAMPLE, str(EXAMPLE))
    assert not any(name.startswith("nginx_upstream") for name in extra_vars(loaded, "run-1"))


def render_site(variables: dict[str, Any]) -> str:
    """roles/nginx/templates/site.conf.j2 as the role renders it, from its defaults and
    ``variables`` (Ansible's regex_replace filter stood in for by re.sub)."""
    loader = jinja2.FileSystemLoader(NGINX / "templates")
    # Not HTML: an nginx config, rendered as Ansible renders it (no autoescaping).
    jinja = jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, autoescape=False)
    jinja.filters["regex_replace"] = lambda value, pattern, repl: re.sub(pattern, repl, value)
    defaults = yaml.safe_load((NGINX / "defaults" / "main.yml").read_text(encoding="utf-8"))
    context = {**defaults, "ansible_managed": "managed", **variables}
    return jinja.get_template("site.conf.j2").render(context)


@pytest.mark.parametrize(
    ("hosts", "web_host", "servers"),
    [
        pytest.param(
            [host("app1", "10.20.30.11", ["web", "app"], port=8081), DB],
            "app1",
            ["server 127.0.0.1:8081;"],
            id="colocated",
        ),
        pytest.param(
            [
                host("web1", "10.20.30.5", ["web"]),
                host("app1", "10.20.30.11", ["app"], port=8081),
                host("app2", "fd00::12", ["app"]),
                DB,
            ],
            "web1",
            ["server 10.20.30.11:8081;", "server [fd00::12]:8080;"],
            id="separate",
        ),
    ],
)
def test_the_site_names_each_tomcat_with_its_port(
    hosts: list[dict[str, Any]], web_host: str, servers: list[str]
) -> None:
    env = environment(hosts)
    loaded = load_environment(EXAMPLE, str(EXAMPLE))
    chosen = env.host(web_host)
    assert chosen is not None
    site = render_site({**extra_vars(loaded, "run-1"), **host_vars(env, chosen)})
    lines = [line.strip() for line in site.splitlines()]
    assert [line for line in lines if re.match(r"server [^{]*;$", line)] == servers
