"""The deploy lock of an environment, held in two places: the run journal (one deployer per
journal) and every target host (one deployer per host, even from another machine or another
copy of the journal).

On a host the lock is a directory made with mkdir(1), which fails when it exists, so two
deployers racing for a host cannot both win; it holds the holder's record, written whole (to a
temporary name, then renamed). All hosts are locked at once; when one refuses, the others taken
are released.

A lock folder without a record older than ``STALE_AFTER`` seconds is stale (its taker died
between mkdir and the write). Breaking is rename and compare, in one script on the host: the
folder is renamed aside, and removed only if it still holds the record judged stale (or still
none, and is still old); otherwise it is put back and the break refused.
"""

from __future__ import annotations

import json
import logging
import shlex
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from pathlib import Path

from deployer.errors import DeployerError, ExitCode
from deployer.locks.local import STALE_AFTER, DeployLocked, LockHolder, deploy_lock, parse_holder
from deployer.transport.hosts import Hosts

log = logging.getLogger(__name__)

LOCKS_DIR = "/var/lib/deployer/locks"
TAKEN, HELD, BROKEN, CHANGED = "lock: taken", "lock: held", "lock: broken", "lock: changed"

#: ``sh -c TAKE_SCRIPT sh FOLDER`` with the holder's record on stdin: takes the lock, or says
#: it is held, how old the folder is and the record it holds (if any).
TAKE_SCRIPT = f"""\
lock=$1
parent=$(dirname -- "$lock")
mkdir -p -m 700 -- "$parent" || exit 3
if mkdir -m 700 -- "$lock" 2>/dev/null; then
  cat > "$lock/.holder.json.new" && mv -f -- "$lock/.holder.json.new" "$lock/holder.json" || exit 3
  echo '{TAKEN}'
  exit 0
fi
now=$(date +%s)
echo '{HELD}'
echo "age: $(( now - $(stat -c %Y -- "$lock" 2>/dev/null || echo "$now") ))"
cat -- "$lock/holder.json" 2>/dev/null
exit 0
"""

#: ``sh -c BREAK_SCRIPT sh FOLDER STALE_AFTER`` with the record judged stale on stdin (empty:
#: the folder had none): removes the lock only if it is still that one.
BREAK_SCRIPT = f"""\
lock=$1
aside="$lock.broken.$$.$(date +%s)"
mv -T -- "$lock" "$aside" 2>/dev/null || {{ echo '{BROKEN}'; exit 0; }}
judged=$(cat; echo x)
judged=${{judged%x}}
same=no
if [ -z "$judged" ]; then
  age=$(( $(date +%s) - $(stat -c %Y -- "$aside") ))
  [ ! -e "$aside/holder.json" ] && [ "$age" -ge "$2" ] && same=yes
elif [ -f "$aside/holder.json" ] && printf %s "$judged" | cmp -s - "$aside/holder.json"; then
  same=yes
fi
if [ "$same" = yes ]; then
  rm -rf -- "$aside"
  echo '{BROKEN}'
else
  # -n: never onto a folder a new taker made since (rename would replace it while empty).
  mv -T -n -- "$aside" "$lock" 2>/dev/null
  [ -e "$aside" ] && rm -rf -- "$aside"
  echo '{CHANGED}'
fi
exit 0
"""


@contextmanager
def environment_lock(
    hosts: Hosts,
    product: str,
    journal_root: Path,
    command: str,
    *,
    break_stale: bool = False,
    before_hosts: Callable[[], None] | None = None,
) -> Iterator[LockHolder]:
    """Hold the journal's lock, then every host's, while the block runs; ``before_hosts``
    runs in between (the first contact with the hosts: a locked journal touches none)."""
    with deploy_lock(journal_root, command, break_stale=break_stale) as me, ExitStack() as stack:
        if before_hosts is not None:
            before_hosts()
        folder = host_lock_dir(product)
        names = hosts.names
        with ThreadPoolExecutor(max_workers=max(1, min(32, len(names)))) as pool:
            futures = {
                name: pool.submit(take_host_lock, hosts, name, folder, me, break_stale=break_stale)
                for name in names
            }
            wait(futures.values())
        for name in names:  # the hosts taken are released, also when another one refused
            if futures[name].exception() is None:
                stack.callback(release_host_lock, hosts, name, folder, me)
        for name in names:
            futures[name].result()  # the first refusal, in the spec's order
        yield me


def host_lock_dir(product: str) -> str:
    # One product per host: its name keys the lock, whichever spec or machine deploys it.
    return f"{LOCKS_DIR}/{product}"


def take_host_lock(
    hosts: Hosts, host: str, folder: str, me: LockHolder, *, break_stale: bool
) -> None:
    record = json.dumps(asdict(me)).encode()
    for _ in range(2):  # once more after breaking a stale lock
        answer = _run(hosts, host, script_command(TAKE_SCRIPT, folder), record)
        if answer.startswith(TAKEN):
            return
        age, judged = parse_held(answer)
        where = f"{host} is locked"
        holder = parse_holder(judged) if judged.strip() else None
        if holder is None:
            _judge_recordless(where, folder, age, bool(judged.strip()), break_stale)
        elif holder.alive:
            raise DeployLocked(f"{where} by {holder.describe()}")
        elif not break_stale:
            raise DeployLocked(
                f"{where} by {holder.describe()}, which is no longer running; pass "
                "--break-lock to break the stale lock"
            )
        whom = holder.describe() if holder else "a holder that never wrote its record"
        log.warning("%s: breaking the stale lock of %s", host, whom)
        command = script_command(BREAK_SCRIPT, folder, str(STALE_AFTER))
        if _run(hosts, host, command, judged.encode()).startswith(CHANGED):
            raise DeployLocked(f"{where}: the lock changed hands while it was being broken")
    raise DeployLocked(f"could not take the deploy lock {folder} on {host}")


def _judge_recordless(where: str, folder: str, age: int, garbled: bool, break_stale: bool) -> None:
    """A folder without a holder record (or with half of one, from a crash while writing it)
    is being taken right now, or its taker died: the folder's age tells which."""
    what = "a record that names no holder" if garbled else "no holder record"
    if age < STALE_AFTER:
        raise DeployLocked(f"{where} ({folder} has {what} yet); try again")
    if not break_stale:
        raise DeployLocked(
            f"{where} ({folder} has {what} and is {age} s old, so its taker died while "
            "taking it); pass --break-lock to break the stale lock"
        )


def script_command(script: str, *args: str) -> str:
    """One remote command running ``script`` with ``args`` as $1... (run as root)."""
    quoted = " ".join(shlex.quote(arg) for arg in args)
    return f"sh -c {shlex.quote(script)} deployer-lock {quoted}"


def parse_held(answer: str) -> tuple[int, str]:
    """The folder's age and its record (maybe empty) from the take script's "held" answer."""
    lines = answer.split("\n", 2)[1:]
    age = 0
    if lines and lines[0].startswith("age: "):
        try:
            age = int(lines[0][len("age: ") :].strip())
        except ValueError:
            age = 0
        lines = lines[1:]
    return age, lines[0] if lines else ""


def release_host_lock(hosts: Hosts, host: str, folder: str, me: LockHolder) -> None:
    """Remove the lock if it is still ours; a host that no longer answers keeps it (stale)."""
    quoted = shlex.quote(folder)
    script = f"if cmp -s - {quoted}/holder.json; then rm -rf -- {quoted}; fi"
    result = hosts.run_on(host, script, stdin=json.dumps(asdict(me)).encode(), root=True)
    if not result.ok:
        log.warning("%s: deploy lock not released: %s", host, result.describe())


class LockHostUnreachable(DeployerError):
    exit_code = ExitCode.HOST_UNREACHABLE


def _run(hosts: Hosts, host: str, script: str, stdin: bytes | None = None) -> str:
    result = hosts.run_on(host, script, stdin=stdin, root=True)
    if not result.connected:
        raise LockHostUnreachable(f"cannot take the deploy lock: {result.describe()}")
    if not result.ok:
        raise DeployLocked(f"cannot take the deploy lock: {result.describe()}")
    return result.stdout
