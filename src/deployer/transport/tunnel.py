"""A local TCP port forwarded through SSH to a port on (or behind) a host.

Used when a database port is firewalled from the engineer's laptop but the database host
itself is reachable over SSH: the usual situation at customer sites.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from deployer.errors import DeployerError, ExitCode
from deployer.transport.login import login_environment
from deployer.transport.ssh import SshOptions, SshTarget, ssh_argv

log = logging.getLogger(__name__)


class TunnelError(DeployerError):
    exit_code = ExitCode.HOST_UNREACHABLE


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int


def reachable(endpoint: Endpoint, timeout: float = 2.0) -> bool:
    """Whether a TCP connection to ``endpoint`` opens within ``timeout``."""
    try:
        with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout):
            return True
    except OSError:
        return False


@contextmanager
def ssh_tunnel(
    via: SshTarget, remote: Endpoint, options: SshOptions, wait: float = 10.0
) -> Iterator[Endpoint]:
    """Forward a free loopback port to ``remote`` (as seen from ``via``) while the block runs."""
    local_port = _free_port()
    forward = f"127.0.0.1:{local_port}:{remote.host}:{remote.port}"
    # A connection of its own, never a shared master: ending the tunnel must not end the
    # connections other commands share.
    argv = ssh_argv(via, replace(options, control_dir=None))
    argv[1:1] = ["-N", "-L", forward, "-o", "ExitOnForwardFailure=yes"]
    env = login_environment(via, options.askpass)
    process = subprocess.Popen(  # noqa: S603 - argv list
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=env is not None,  # no terminal: passwords come from askpass
    )
    try:
        _wait_for(process, Endpoint("127.0.0.1", local_port), wait, via.name)
        log.debug("tunnel %s via %s up (pid %d)", forward, via.name, process.pid)
        yield Endpoint("127.0.0.1", local_port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _wait_for(process: subprocess.Popen[bytes], local: Endpoint, wait: float, via: str) -> None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
            last = (error.strip().splitlines() or ["ssh exited"])[-1]
            raise TunnelError(f"SSH tunnel through {via} failed: {last}")
        if reachable(local, timeout=0.2):
            return
        time.sleep(0.05)
    raise TunnelError(f"SSH tunnel through {via} did not open within {wait:g} s")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
