"""`deployer lab up --offline`: a host with no package proxy and no package source at all.

What such a host installs can only have come from files brought to it, so a test that
installs there proves nothing was fetched from outside.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from collections.abc import Iterator

import pytest
from labsupport import (
    Lab,
    deployer_cli,
    free_subnet,
    lab_pids,
    lab_unavailable,
    leftovers,
    write_spec,
)

from deployer import lab
from deployer.lab import proxy, state

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def offline_lab() -> Iterator[Lab]:
    reason = lab_unavailable()
    if reason:
        pytest.skip(reason)
    spec = write_spec("offline", [("web1", ["web", "app"])])
    lab.down(spec)  # leftovers of a crashed earlier run
    try:
        done = deployer_cli("lab", "up", str(spec), "--offline", "--subnet", free_subnet())
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        yield Lab(spec, lab.lab_ssh_config(spec), lab.lab_known_hosts(spec))
    finally:
        lab.down(spec)


@contextlib.contextmanager
def answering(address: str, port: int) -> Iterator[None]:
    """An HTTP server on the machine at ``address``:``port``, as the proxy would be."""
    server = http.server.ThreadingHTTPServer((address, port), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def test_apt_has_no_source_and_no_proxy(offline_lab: Lab) -> None:
    update = offline_lab.ssh("web1", "sudo apt-get update")
    assert update.returncode == 0, update.stderr
    fetched = [w for w in ("Get:", "Hit:", "Ign:", "Err:") if w in update.stdout]
    assert fetched == [], update.stdout
    policy = offline_lab.ssh("web1", "apt-cache policy")
    origins = [
        line.split(maxsplit=1)[1]
        for line in policy.stdout.splitlines()
        if line[:5].strip().isdigit()
    ]
    assert origins == ["/var/lib/dpkg/status"], policy.stdout
    dump = offline_lab.ssh("web1", "apt-config dump | grep -i proxy")
    assert dump.stdout == "", dump.stdout
    sources = offline_lab.ssh(
        "web1", "ls -A /etc/apt/sources.list.d; test -e /etc/apt/sources.list || echo none"
    )
    assert sources.stdout == "none\n", sources.stdout


def test_the_machine_answers_nothing_from_the_bridge(offline_lab: Lab) -> None:
    current = state.load(lab.state_dir_for(offline_lab.spec))
    assert current is not None and current.offline and current.proxy is None
    # Something listens where the proxy would: only the lab's rules keep hosts from it.
    with answering(current.gateway, proxy.PORT):
        url = f"http://{current.gateway}:{proxy.PORT}/"
        done = offline_lab.ssh("web1", f"curl -sS -m 5 -o /dev/null {url}")
    assert done.returncode != 0, done.stdout


def test_status_says_offline_and_down_leaves_nothing(offline_lab: Lab) -> None:
    shown = deployer_cli("lab", "status", str(offline_lab.spec))
    assert shown.returncode == 0, shown.stderr
    assert "offline)" in shown.stdout.splitlines()[0], shown.stdout
    as_json = json.loads(deployer_cli("lab", "status", str(offline_lab.spec), "--json").stdout)
    assert (as_json["offline"], as_json["proxy"]) == (True, "")
    pids = lab_pids(offline_lab.spec)
    done = deployer_cli("lab", "down", str(offline_lab.spec))
    assert done.returncode == 0, done.stderr
    assert leftovers(offline_lab.spec, pids) == []
