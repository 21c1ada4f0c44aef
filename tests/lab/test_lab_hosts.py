"""The example's lab hosts: pinned host keys, systemd, each other, and no way out."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from labsupport import EXAMPLE, Lab, deployer_cli

from deployer import lab
from deployer.lab import firewall, state

pytestmark = pytest.mark.lab
HOSTS = ("app1", "db1")


@pytest.mark.parametrize("host", HOSTS)
def test_ssh_with_strict_host_key_checking(example_lab: Lab, host: str) -> None:
    done = example_lab.ssh(host, "true")
    assert done.returncode == 0, done.stderr


def test_a_wrong_pinned_key_is_refused(example_lab: Lab) -> None:
    """The pin is really checked: with the two hosts' keys swapped, ssh refuses."""
    lines = example_lab.known_hosts.read_text().splitlines()
    swapped = [
        f"{a.split()[0]} {' '.join(b.split()[1:])}" for a, b in zip(lines, lines[::-1], strict=True)
    ]
    wrong = example_lab.known_hosts.with_name("known_hosts.wrong")
    wrong.write_text("\n".join(swapped) + "\n")
    try:
        refused = example_lab.ssh("app1", "true", options=(f"UserKnownHostsFile={wrong}",))
    finally:
        wrong.unlink()
    assert refused.returncode == 255
    assert "host key" in refused.stderr.lower()


@pytest.mark.parametrize("host", HOSTS)
def test_systemd_is_pid_1_and_the_system_runs(example_lab: Lab, host: str) -> None:
    done = example_lab.ssh(host, "ps -o comm= -p 1; timeout 60 systemctl is-system-running --wait")
    init, condition = done.stdout.split()
    assert init == "systemd"
    assert condition in ("running", "degraded"), done.stdout


@pytest.mark.parametrize("host", HOSTS)
def test_login_user_has_passwordless_sudo_python_and_iproute2(example_lab: Lab, host: str) -> None:
    done = example_lab.ssh(host, "id -un; sudo -n id -u; python3 -c 'print(42)'; ip -V")
    lines = done.stdout.splitlines()
    assert lines[:3] == ["deploy", "0", "42"], done.stderr
    assert "iproute2" in lines[3]


def test_app1_reaches_db1_by_its_lab_address(example_lab: Lab) -> None:
    db1 = _host_address("db1")
    probe = f'python3 -c \'import socket; socket.create_connection(("{db1}", 22), 5); print("ok")\''
    done = example_lab.ssh("app1", probe)
    assert done.stdout.strip() == "ok", done.stderr
    assert example_lab.ssh("app1", "getent hosts db1").stdout.split()[0] == db1


@pytest.mark.parametrize("host", HOSTS)
def test_no_route_out_of_a_host(example_lab: Lab, host: str) -> None:
    """A route lookup only: it sends nothing."""
    lookup = example_lab.ssh(host, "ip route get 198.51.100.7")
    assert lookup.returncode != 0
    assert "unreachable" in lookup.stderr.lower()
    routes = example_lab.ssh(host, "ip route show default; ip -6 route show default")
    assert (routes.returncode, routes.stdout) == (0, "")


def test_the_gateway_serves_only_the_package_proxy(example_lab: Lab) -> None:
    """A service of the machine on the bridge address is out of the hosts' reach."""
    if not firewall.available():
        pytest.skip("nft is not installed; the bridge address is not filtered")
    gateway = _lab().gateway
    with _listener(gateway) as port:
        probe = f"python3 -c 'import socket; socket.create_connection((\"{gateway}\", {port}), 3)'"
        blocked = example_lab.ssh("app1", probe)
        assert blocked.returncode != 0
        assert "timed out" in blocked.stderr
    reached = example_lab.ssh(
        "app1", f"python3 -c 'import socket; socket.create_connection((\"{gateway}\", 3142), 3)'"
    )
    assert reached.returncode == 0, reached.stderr


def test_the_proxy_serves_only_the_debian_mirror(example_lab: Lab) -> None:
    """Asked for another site (here: db1, a lab address), the proxy refuses."""
    lab_state = _lab()
    command = (
        f"curl -s -o /dev/null -w '%{{http_code}}' -x http://{lab_state.gateway}:3142 "
        f"http://{_host_address('db1')}/"
    )
    assert example_lab.ssh("app1", command).stdout == "403"


def test_status_json(example_lab: Lab) -> None:
    done = deployer_cli("lab", "status", str(EXAMPLE), "--json")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["state"] == "up"
    assert status["backend"] == "systemd"
    assert status["ssh_config"] == str(example_lab.ssh_config)
    assert status["known_hosts"] == str(example_lab.known_hosts)
    assert [h["name"] for h in status["hosts"]] == list(HOSTS)
    for host in status["hosts"]:
        assert set(host) == {
            "name",
            "address",
            "port",
            "user",
            "key",
            "known_hosts",
            "state",
            "release",
        }
        assert (host["state"], host["release"]) == ("running", "debian-12")
        assert (host["port"], host["user"]) == (22, "deploy")


def test_lab_ssh_runs_a_command(example_lab: Lab) -> None:
    done = deployer_cli("lab", "ssh", str(EXAMPLE), "db1", "hostname")
    assert (done.returncode, done.stdout.strip()) == (0, "db1"), done.stderr


def test_spec_overlay_validates(example_lab: Lab) -> None:
    overlay = lab.lab_spec_path(EXAMPLE)
    done = deployer_cli("validate", str(overlay))
    assert done.returncode == 0, done.stderr


def test_second_up_is_refused_in_one_line(example_lab: Lab) -> None:
    done = deployer_cli("lab", "up", str(EXAMPLE))
    assert done.returncode == 11
    assert done.stderr.strip().splitlines() == [
        f"error: a lab is already up for {EXAMPLE}; "
        "use 'deployer lab rebuild' or 'deployer lab down'"
    ]


def _lab() -> state.LabState:
    current = state.load(lab.state_dir_for(EXAMPLE))
    assert current is not None
    return current


def _host_address(name: str) -> str:
    host = _lab().host(name)
    assert host is not None
    return host.address


class _listener:
    """A TCP listener on the machine at ``address`` for the length of a ``with``."""

    def __init__(self, address: str) -> None:
        self.server = socket.create_server((address, 0))
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        try:
            while True:
                conn, _ = self.server.accept()
                conn.close()
        except OSError:
            return

    def __enter__(self) -> int:
        self.thread.start()
        return int(self.server.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.server.close()
