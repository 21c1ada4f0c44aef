"""The deploy lock of an environment: one apply or rollback at a time per run journal.

The lock is a file in the journal's folder naming its holder (command, user, machine, pid,
time). It is taken with link(2), which fails when the file exists, so two deployers racing
for it cannot both win, and a reader never sees half a lock. A lock whose holder has died
(same machine, pid gone) is stale; so is a lock file without a readable holder record that
is older than ``STALE_AFTER`` seconds. A stale lock is broken only when asked to, by rename
and compare: the lock is renamed to a name of the breaker's own, and removed only if it is
still the very lock that was judged stale; a lock another deployer took in the meantime is put
back. Two breakers racing can then never remove each other's fresh lock.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import secrets
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from deployer.errors import DeployerError, ExitCode
from deployer.files import NotRegularFileError, open_regular
from deployer.journal.runs import make_journal_dir

LOCK_FILE = "deploy.lock"
#: Seconds after which a lock without a readable holder record is stale (its taker crashed
#: between taking and writing it; a live one writes it within milliseconds).
STALE_AFTER = 60


class DeployLocked(DeployerError):
    exit_code = ExitCode.LOCKED


@dataclass(frozen=True)
class LockHolder:
    command: str
    user: str
    host: str
    pid: int
    since: str

    @classmethod
    def here(cls, command: str) -> LockHolder:
        """This process, running ``command`` from now."""
        since = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return cls(command, getpass.getuser(), socket.gethostname(), os.getpid(), since)

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
    """Who holds the lock now; None when nobody does or its record names nobody."""
    seen = look(root / LOCK_FILE)
    return seen.holder if seen is not None else None


@dataclass(frozen=True)
class Seen:
    """A lock file as it was judged: its bytes and inode identify it."""

    content: bytes
    inode: int
    age: float

    @property
    def holder(self) -> LockHolder | None:
        return parse_holder(self.content)

    def same(self, other: Seen | None) -> bool:
        return other is not None and (other.content, other.inode) == (self.content, self.inode)


_TEXT = ("command", "user", "host", "since")


def parse_holder(content: bytes | str) -> LockHolder | None:
    """The holder a lock record names, or None when it names none (empty, not JSON, or
    fields of other types: a pid that is text or 0 would make judging it fail or lie)."""
    try:
        data = json.loads(content)
        holder = LockHolder(**data) if isinstance(data, dict) else None
    except (ValueError, TypeError):
        return None
    if holder is None or not all(isinstance(getattr(holder, name), str) for name in _TEXT):
        return None
    pid = holder.pid
    return holder if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0 else None


def look(path: Path) -> Seen | None:
    """The lock file as it is now, or None when there is none. Opened without blocking and
    checked on the open descriptor: a FIFO put in its place would hold the reader forever."""
    try:
        with open_regular(path) as handle:
            status = os.fstat(handle.fileno())
            content = handle.read()
    except FileNotFoundError:
        return None
    except NotRegularFileError as exc:
        raise DeployLocked(f"{path} is not a deploy lock (not a file); remove it by hand") from exc
    except OSError as exc:
        raise DeployLocked(f"cannot read the deploy lock {path}: {exc.strerror}") from exc
    return Seen(content, status.st_ino, max(0.0, time.time() - status.st_mtime))


@contextmanager
def deploy_lock(root: Path, command: str, *, break_stale: bool = False) -> Iterator[LockHolder]:
    """Hold the environment's deploy lock while the block runs."""
    make_journal_dir(root)
    me = LockHolder.here(command)
    path = root / LOCK_FILE
    for _ in range(3):  # a stale lock broken by someone else between our attempts: try again
        if _take(path, me):
            break
        seen = look(path)
        if seen is None:
            continue
        judge_stale(path, seen, break_stale)
        if not break_lock(path, seen):
            now = look(path)
            holder = now.holder if now is not None else None
            raise DeployLocked(
                "the deploy lock changed hands while it was being broken"
                + (f"; now held by {holder.describe()}" if holder else "")
            )
    else:
        raise DeployLocked(f"could not take the deploy lock {path}")
    try:
        yield me
    finally:
        if holder_of(root) == me:
            path.unlink(missing_ok=True)


def judge_stale(path: Path, seen: Seen, break_stale: bool) -> None:
    """Return only when the lock ``seen`` is stale and may be broken; else say who holds it."""
    holder = seen.holder
    if holder is None:
        if seen.age < STALE_AFTER:
            raise DeployLocked(f"{path} has no holder record yet; try again")
        if not break_stale:
            raise DeployLocked(
                f"{path} has no holder record and is older than {STALE_AFTER} s, so its taker "
                "died while taking it; pass --break-lock to break the stale lock"
            )
        return
    if holder.alive:
        raise DeployLocked(f"the environment is locked by {holder.describe()}")
    if not break_stale:
        raise DeployLocked(
            f"the environment is locked by {holder.describe()}, which is no longer "
            "running; pass --break-lock to break the stale lock"
        )


def break_lock(path: Path, seen: Seen) -> bool:
    """Remove the lock if it is still the one ``seen``; False when another deployer holds it
    now (the lock is then put back)."""
    aside = path.with_name(f".{path.name}.broken.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return True  # another breaker removed it first: take it in the next round
    if seen.same(look(aside)):
        aside.unlink()
        return True
    with contextlib.suppress(FileExistsError):
        os.link(aside, path)  # link, not rename: never replaces a lock taken meanwhile
    aside.unlink()
    return False


def _take(path: Path, me: LockHolder) -> bool:
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
