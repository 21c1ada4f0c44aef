"""``state.json``: everything a lab created, so ``down`` can undo it even after a crash.

The manager records each object *before* creating it and saves the file after every
step; ``down`` treats anything recorded but already gone as done.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from deployer.errors import LabError
from deployer.files import write_atomic
from deployer.lab.processes import ProcessRecord
from deployer.lab.releases import DEFAULT_RELEASE

STATE_VERSION = 1
STATE_FILE = "state.json"
Backend = Literal["systemd", "unshare", "vagrant"]
BACKENDS: tuple[Backend, ...] = ("systemd", "unshare", "vagrant")


@dataclass(frozen=True)
class HostState:
    name: str
    address: str
    port: int = 22
    user: str = "deploy"
    netns: str = ""
    veth: str = ""
    machine: str = ""
    dir: str = ""
    root: str = ""
    host_key: str = ""
    #: The login's private key; empty means the lab's own key (LabState.user_key).
    key: str = ""
    process: ProcessRecord | None = None
    #: What the host runs (lab.releases); ``rebuild`` builds it again from the same one.
    release: str = DEFAULT_RELEASE
    #: The host it is reached through, the only one it answers SSH from ('' for any).
    via: str = ""
    #: Whether the spec logs in with a password (the lab's key is not authorized there).
    password_login: bool = False


@dataclass(frozen=True)
class LabState:
    spec: str
    lab_id: str
    backend: Backend
    state_dir: str
    subnet: str = ""
    gateway: str = ""
    bridge: str = ""
    nft_table: str = ""
    proxy: ProcessRecord | None = None
    user_key: str = ""
    #: Hosts without a package proxy or package sources (``--offline``); ``rebuild`` keeps it.
    offline: bool = False
    hosts: tuple[HostState, ...] = ()
    #: Files and folders outside the state dir that belong to this lab.
    paths: tuple[str, ...] = ()
    version: int = field(default=STATE_VERSION)

    def with_host(self, host: HostState) -> LabState:
        """This state with ``host`` added, or replacing the host of the same name."""
        if self.host(host.name) is None:
            return replace(self, hosts=(*self.hosts, host))
        return replace(self, hosts=tuple(host if h.name == host.name else h for h in self.hosts))

    def host(self, name: str) -> HostState | None:
        return next((h for h in self.hosts if h.name == name), None)


def to_json(state: LabState) -> str:
    return json.dumps(asdict(state), indent=2, ensure_ascii=False) + "\n"


def from_json(text: str, source: str) -> LabState:
    """Parse a state file; LabError naming ``source`` if it is not one we wrote."""
    try:
        data = json.loads(text)
        if data.get("version") != STATE_VERSION:
            raise LabError(f"{source}: unsupported lab state version {data.get('version')!r}")
        if data.get("backend") not in BACKENDS:
            raise LabError(f"{source}: unknown lab backend {data.get('backend')!r}")
        # Labs made before hosts had releases name their one (debian-12) base here; the
        # hosts' default release says the same, and teardown never needed the path.
        data.pop("base_rootfs", None)
        hosts = tuple(_host(h) for h in data.pop("hosts", []))
        proxy = _process(data.pop("proxy", None))
        paths = tuple(str(p) for p in data.pop("paths", []))
        return LabState(**data, hosts=hosts, proxy=proxy, paths=paths)
    except (ValueError, TypeError, AttributeError) as exc:
        raise LabError(f"{source}: not a lab state file ({exc})") from exc


def _host(data: dict[str, Any]) -> HostState:
    process = _process(data.pop("process", None))
    return HostState(**data, process=process)


def _process(data: dict[str, Any] | None) -> ProcessRecord | None:
    return None if data is None else ProcessRecord(**data)


def load(state_dir: Path) -> LabState | None:
    path = state_dir / STATE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LabError(f"cannot read {path}: {exc.strerror}") from exc
    return from_json(text, str(path))


def save(state: LabState) -> None:
    write_private(Path(state.state_dir) / STATE_FILE, to_json(state))


def write_private(path: Path, text: str, mode: int = 0o600) -> None:
    """Write atomically (the lab's files are read by ssh and by later commands)."""
    write_atomic(path, text, mode)
