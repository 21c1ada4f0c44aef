"""Shared connections held open while a playbook runs.

Ansible's ssh rides on the run's shared connections (the same ControlPath) and never sees a
password. A shared connection ends after CONTROL_PERSIST seconds without a session, which a
host can spend waiting while another host runs a long task: one idle session per host keeps
it up until the playbook ends.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
from collections.abc import Iterator, Sequence

from deployer.transport.login import login_environment
from deployer.transport.ssh import SshOptions, SshTarget, ssh_argv

log = logging.getLogger(__name__)


@contextlib.contextmanager
def connections_held(targets: Sequence[SshTarget], options: SshOptions) -> Iterator[None]:
    """One idle session (``cat`` reading a pipe of ours) on each target's shared connection
    while the block runs; the caller opens the connections first, so that these join them."""
    sessions: list[subprocess.Popen[bytes]] = []
    try:
        for target in targets:
            env = login_environment(target, options.askpass)
            argv = [*ssh_argv(target, options), "--", "cat >/dev/null"]
            sessions.append(
                subprocess.Popen(  # noqa: S603 - argv list
                    argv,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=env,
                    start_new_session=env is not None,
                )
            )
        yield
    finally:
        for session in sessions:
            _end(session)


def _end(session: subprocess.Popen[bytes]) -> None:
    """End of input ends ``cat`` and so the session; one that does not answer is killed."""
    if session.stdin is not None:
        with contextlib.suppress(OSError):
            session.stdin.close()
    try:
        session.wait(timeout=10)
    except subprocess.TimeoutExpired:
        log.debug("held session %d did not end; killing it", session.pid)
        session.kill()
        session.wait()
