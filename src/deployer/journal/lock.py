"""The deploy lock of an environment: one apply or rollback at a time per run journal.

The lock is a file in the journal's folder naming its holder (command, user, machine, pid,
time). It is taken with link(2), which fails when the file exists, so two deployers racing
for it cannot both win, and a reader never sees half a lock. A lock whose holder has died
(same machine, pid gone) is stale; it is broken only when asked to.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from deployer.errors import DeployerError, ExitCode

LOCK_FILE = "deploy.lock"


class DeployLocked(DeployerError):
    exit_code = ExitCode.LOCKED


@dataclass(frozen=True)
class LockHolder:
    command: str
    user: str
    host: str
    pid: int
    since: str

    def describe(self) -> str:
        return f"{self.command} by {self.user}@{self.host} (pid {self.pid}, since {self.since})"

    @property
    def alive(self) -> bool:
        """False only when the holder ran on this machine and its process is gone."""
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def holder_of(root: Path) -> LockHolder | None:
    try:
        data = json.loads((root / LOCK_FILE).read_text(encoding="utf-8"))
        return LockHolder(**data)
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as exc:
        raise DeployLocked(f"{root / LOCK_FILE} is not a deploy lock; remove it by hand") from exc


@contextmanager
def deploy_lock(root: Path, command: str, *, break_stale: bool = False) -> Iterator[LockHolder]:
    """Hold the environment's deploy lock while the block runs."""
    me = LockHolder(
        command,
        getpass.getuser(),
        socket.gethostname(),
        os.getpid(),
        datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    path = root / LOCK_FILE
    for _ in range(3):  # a stale lock broken by someone else between our attempts: try again
        if _take(path, me):
            break
        holder = holder_of(root)
        if holder is None:
            continue
        if holder.alive:
            raise DeployLocked(f"the environment is locked by {holder.describe()}")
        if not break_stale:
            raise DeployLocked(
                f"the environment is locked by {holder.describe()}, which is no longer "
                "running; pass --break-lock to break the stale lock"
            )
        path.unlink(missing_ok=True)
    else:
        raise DeployLocked(f"could not take the deploy lock {path}")
    try:
        yield me
    finally:
        if holder_of(root) == me:
            path.unlink(missing_ok=True)


def _take(path: Path, me: LockHolder) -> bool:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".deploy.lock.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(me), handle)
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        Path(tmp).unlink(missing_ok=True)
    return True
