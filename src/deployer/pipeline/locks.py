"""The deploy lock of an environment, held in two places: the run journal (one deployer per
journal) and every target host (one deployer per host, even from another machine or another
copy of the journal).

On a host the lock is a directory made with mkdir(1), which fails when it exists, so two
deployers racing for a host cannot both win; it holds the holder's record. All hosts are locked
at once; when one refuses, the others taken are released.
"""

from __future__ import annotations

import json
import logging
import shlex
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from pathlib import Path

from deployer.errors import DeployerError, ExitCode
from deployer.journal.lock import DeployLocked, LockHolder, deploy_lock
from deployer.pipeline.targets import ssh_targets
from deployer.spec import LoadedEnvironment
from deployer.transport import SshOptions
from deployer.transport.ssh import SshTarget, run_on

log = logging.getLogger(__name__)

LOCKS_DIR = "/var/lib/deployer/locks"
TAKEN, HELD = "lock: taken", "lock: held"


@contextmanager
def environment_lock(
    loaded: LoadedEnvironment,
    journal_root: Path,
    command: str,
    *,
    break_stale: bool = False,
    ssh: SshOptions | None = None,
) -> Iterator[LockHolder]:
    """Hold the journal's lock, then every host's, while the block runs."""
    options = ssh or SshOptions()
    with deploy_lock(journal_root, command, break_stale=break_stale) as me, ExitStack() as stack:
        folder = host_lock_dir(loaded.env.product.name)
        targets = ssh_targets(loaded, journal_root)
        with ThreadPoolExecutor(max_workers=max(1, min(32, len(targets)))) as pool:
            futures = {
                t.name: pool.submit(take_host_lock, t, folder, me, options, break_stale=break_stale)
                for t in targets
            }
            wait(futures.values())
        for target in targets:  # the hosts taken are released, also when another one refused
            if futures[target.name].exception() is None:
                stack.callback(release_host_lock, target, folder, me, options)
        for target in targets:
            futures[target.name].result()  # the first refusal, in the spec's order
        yield me


def host_lock_dir(product: str) -> str:
    # One product per host: its name keys the lock, whichever spec or machine deploys it.
    return f"{LOCKS_DIR}/{product}"


def take_host_lock(
    target: SshTarget, folder: str, me: LockHolder, ssh: SshOptions, *, break_stale: bool
) -> None:
    record = json.dumps(asdict(me)).encode()
    for _ in range(2):  # once more after breaking a stale lock
        answer = _run(target, _take_script(folder), ssh, record)
        if answer.startswith(TAKEN):
            return
        holder = _holder(answer[len(HELD) :])
        where = f"{target.name} is locked"
        if holder is None:
            raise DeployLocked(f"{where} ({folder} has no holder record yet); try again")
        if holder.alive:
            raise DeployLocked(f"{where} by {holder.describe()}")
        if not break_stale:
            raise DeployLocked(
                f"{where} by {holder.describe()}, which is no longer running; pass "
                "--break-lock to break the stale lock"
            )
        log.warning("%s: breaking the stale lock of %s", target.name, holder.describe())
        _run(target, f"sudo -n rm -rf -- {shlex.quote(folder)}", ssh)
    raise DeployLocked(f"could not take the deploy lock {folder} on {target.name}")


def release_host_lock(target: SshTarget, folder: str, me: LockHolder, ssh: SshOptions) -> None:
    """Remove the lock if it is still ours; a host that no longer answers keeps it (stale)."""
    quoted = shlex.quote(folder)
    script = f"if sudo -n cmp -s - {quoted}/holder.json; then sudo -n rm -rf -- {quoted}; fi"
    result = run_on(target, script, ssh, stdin=json.dumps(asdict(me)).encode())
    if not result.ok:
        log.warning("%s: deploy lock not released: %s", target.name, result.describe())


def _take_script(folder: str) -> str:
    quoted = shlex.quote(folder)
    parent = shlex.quote(str(Path(folder).parent))
    return (
        f"sudo -n mkdir -p -m 700 {parent} && "
        f"if sudo -n mkdir -m 700 {quoted} 2>/dev/null; then "
        f"sudo -n tee {quoted}/holder.json >/dev/null && echo {shlex.quote(TAKEN)}; "
        f"else echo {shlex.quote(HELD)}; sudo -n cat {quoted}/holder.json 2>/dev/null; fi"
    )


class LockHostUnreachable(DeployerError):
    exit_code = ExitCode.HOST_UNREACHABLE


def _run(target: SshTarget, script: str, ssh: SshOptions, stdin: bytes | None = None) -> str:
    result = run_on(target, script, ssh, stdin=stdin)
    if not result.connected:
        raise LockHostUnreachable(f"cannot take the deploy lock: {result.describe()}")
    if not result.ok:
        raise DeployLocked(f"cannot take the deploy lock: {result.describe()}")
    return result.stdout


def _holder(text: str) -> LockHolder | None:
    try:
        return LockHolder(**json.loads(text))
    except (ValueError, TypeError):
        return None
