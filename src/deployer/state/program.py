"""The one program deployer runs on a host to read its managed-state record and observe the
items in it, or to observe given items and write them as the new record: a single exec per
host (``sh`` finds a Python, the program comes on stdin), a handful of forks in all (one
``dpkg-query`` or ``rpm``, one ``systemctl show``), whatever the number of items.

The program is Python 2.7 and 3 alike: CentOS 7 and its kin have no Python 3 by default.
Items travel inside the program as JSON in a string literal, never on a command line."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from deployer.state.model import RECORD_PATH, HostRecord, ManagedItems, RoleState

MARKER = "@@deployer:state@@"


def python_command(purpose: str) -> str:
    """Finds a Python and runs the program from stdin; exits 127, saying there is no Python
    ``purpose`` ("to ..."), when there is none. ``-S``: no site packages to import, a few
    milliseconds less per host (deployer's programs need none)."""
    return "sh -c " + shlex.quote(
        "for p in python3 /usr/libexec/platform-python python2 python; do "
        'if command -v "$p" >/dev/null 2>&1; then exec "$p" -S -; fi; done; '
        f'echo "no Python {purpose}" >&2; exit 127'
    )


COMMAND = python_command("to read the managed state with")

_PROGRAM = r"""
# Only cheap modules at the top: a fleet pays every import once per host.
import grp, json, os, pwd, stat, sys

RECORD = %(path)r
ITEMS = json.loads(%(items)r)
META = json.loads(%(meta)r)
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C",
       "SYSTEMD_PAGER": ""}


def which(name):
    for folder in ENV["PATH"].split(":"):
        path = os.path.join(folder, name)
        if os.access(path, os.X_OK):
            return path
    return None


def output(argv):
    # Forked by hand: importing subprocess costs more than the program it runs.
    path = which(argv[0])
    if path is None:
        return ""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)
            os.dup2(write_end, 1)
            os.dup2(null, 2)
            os.close(read_end)
            os.execve(path, argv, ENV)
        finally:
            os._exit(127)
    os.close(write_end)
    chunks = []
    chunk = os.read(read_end, 65536)
    while chunk:
        chunks.append(chunk)
        chunk = os.read(read_end, 65536)
    os.close(read_end)
    os.waitpid(child, 0)
    return b"".join(chunks).decode("utf-8", "replace")


def name_of(lookup, number):
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)


def file_state(path):
    try:
        info = os.stat(path)
    except OSError:
        return {"exists": False}
    if not stat.S_ISREG(info.st_mode):
        return {"exists": False}
    import hashlib  # only where there is a file to read

    digest = hashlib.sha256()
    try:
        handle = open(path, "rb")
        try:
            chunk = handle.read(1048576)
            while chunk:
                digest.update(chunk)
                chunk = handle.read(1048576)
        finally:
            handle.close()
        found = digest.hexdigest()
    except (IOError, OSError):
        found = ""
    return {"sha256": found, "owner": name_of(pwd.getpwuid, info.st_uid),
            "group": name_of(grp.getgrgid, info.st_gid),
            "mode": "%%04o" %% stat.S_IMODE(info.st_mode)}


def link_state(path):
    try:
        return os.readlink(path)
    except OSError:
        return None


def packages(names):
    found = dict((name, None) for name in names)
    if not names:
        return found
    if which("dpkg-query") is not None:
        text = output(["dpkg-query", "-W", "-f", "${Package}\t${Version}\t${db:Status-Abbrev}\n"]
                      + names)
        for line in text.splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and parts[2].startswith("ii") and parts[0] in found:
                found[parts[0]] = parts[1]
    elif which("rpm") is not None:
        text = output(["rpm", "-q", "--qf", "%%{NAME}\t%%{EPOCH}:%%{VERSION}-%%{RELEASE}\n"]
                      + names)
        for line in text.splitlines():
            parts = line.split("\t")
            if len(parts) == 2 and parts[0] in found:
                found[parts[0]] = parts[1].replace("(none):", "")
    return found


def services(names):
    found = dict((name, {"enabled": "", "active": ""}) for name in names)
    if not names or which("systemctl") is None:
        return found
    units = [name if "." in name else name + ".service" for name in names]
    text = output(["systemctl", "show", "-p", "UnitFileState", "-p", "ActiveState"] + units)
    blocks = [block for block in text.strip("\n").split("\n\n")]
    if len(blocks) != len(names):
        return found
    for name, block in zip(names, blocks):
        values = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        found[name] = {"enabled": values.get("UnitFileState", ""),
                       "active": values.get("ActiveState", "")}
    return found


def users(names):
    found = {}
    for name in names:
        try:
            pwd.getpwnam(name)
            found[name] = True
        except KeyError:
            found[name] = False
    return found


def observe(items):
    every_package = sorted(set(p for role in items.values() for p in role.get("packages", [])))
    every_service = sorted(set(s for role in items.values() for s in role.get("services", [])))
    package_state = packages(every_package)
    service_state = services(every_service)
    roles = {}
    for role, wanted in items.items():
        roles[role] = {
            "files": dict((path, file_state(path)) for path in wanted.get("files", [])),
            "links": dict((path, link_state(path)) for path in wanted.get("links", [])),
            "packages": dict((name, package_state[name]) for name in wanted.get("packages", [])),
            "services": dict((name, service_state[name]) for name in wanted.get("services", [])),
            "users": users(wanted.get("users", [])),
        }
    return roles


def items_of(record):
    roles = {}
    for role, state in (record.get("roles") or {}).items():
        roles[role] = dict((kind, list(state.get(kind) or {}))
                           for kind in ("files", "links", "packages", "services", "users"))
    return roles


def write(record):
    folder = os.path.dirname(RECORD)
    if not os.path.isdir(folder):
        os.makedirs(folder, 448)
    temporary = os.path.join(folder, ".managed.%%d" %% os.getpid())
    if os.path.lexists(temporary):
        os.unlink(temporary)
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 384)
    try:
        os.write(handle, json.dumps(record, sort_keys=True, indent=1).encode("utf-8"))
        os.fsync(handle)
    finally:
        os.close(handle)
    os.chmod(temporary, 384)
    os.rename(temporary, RECORD)


if ITEMS is not None:
    record = dict(META)
    record["roles"] = observe(ITEMS)
    write(record)
    answer = {"record": record, "now": None}
else:
    try:
        handle = open(RECORD)
        try:
            record = json.load(handle)
        finally:
            handle.close()
        answer = {"record": record, "now": observe(items_of(record))}
        if META:  # again: the recorded items as they are now, with META's run and stages
            again = dict(META)
            again["roles"] = answer["now"]
            write(again)
            answer = {"record": again, "now": None}
    except IOError:
        answer = {"record": None, "now": None}
    except ValueError:
        answer = {"record": None, "now": None, "damaged": True}
sys.stdout.write("\n%(marker)s\n" + json.dumps(answer) + "\n")
"""


class StateUnreadable(ValueError):
    """The program's output, or the record in it, is not what it writes."""


def read_program(path: str = RECORD_PATH) -> str:
    """The program that reads the host's record and observes its items as they are now."""
    return _program(None, {}, path)


def again_program(meta: Mapping[str, Any], path: str = RECORD_PATH) -> str:
    """The program that writes the host's recorded items as they are now, with ``meta``
    (host, run, stages...) instead of the record's own; a host without a record keeps none."""
    return _program(None, meta, path)


def record_program(
    items: Mapping[str, ManagedItems], meta: Mapping[str, Any], path: str = RECORD_PATH
) -> str:
    """The program that observes ``items`` (role -> items) and writes them, with ``meta``
    (host, run, stages...), as the host's record."""
    wanted = {role: found.model_dump(mode="json") for role, found in items.items()}
    return _program(wanted, meta, path)


def _program(items: Any, meta: Mapping[str, Any], path: str) -> str:
    # ASCII JSON in a repr'd str literal reads the same in Python 2 and 3.
    return _PROGRAM % {
        "path": path,
        "items": json.dumps(items, ensure_ascii=True, sort_keys=True),
        "meta": json.dumps(dict(meta), ensure_ascii=True, sort_keys=True),
        "marker": MARKER,
    }


class Observed:
    """What the program said: the host's record (None: it has none) and its items now."""

    def __init__(
        self, record: HostRecord | None, now: dict[str, RoleState], *, damaged: bool = False
    ) -> None:
        self.record, self.now, self.damaged = record, now, damaged


def parse_output(stdout: str) -> Observed:
    """The program's answer from its stdout (anything printed before the marker is ignored)."""
    _, marker, after = stdout.rpartition(MARKER + "\n")
    if not marker:
        raise StateUnreadable("the managed-state program printed no answer")
    try:
        answer = json.loads(after.strip().splitlines()[0])
        record = answer.get("record")
        now = answer.get("now") or {}
        return Observed(
            HostRecord.model_validate(record) if record is not None else None,
            {role: RoleState.model_validate(state) for role, state in now.items()},
            damaged=bool(answer.get("damaged")),
        )
    except (ValueError, IndexError, AttributeError, ValidationError) as exc:
        raise StateUnreadable(f"the managed-state answer is not readable: {exc}") from exc
