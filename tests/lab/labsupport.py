"""Helpers for tests/lab: start labs, run ssh and the CLI, list what a lab left behind."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from deployer import lab
from deployer.errors import LabError
from deployer.lab import network, processes, state
from deployer.lab.derive import derive_spec
from deployer.lab.paths import LabNames, lab_id_for, proxy_socket_for, runtime_dir_for

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "huadong-production.yml"
#: Specs of the tests' own small labs live at stable paths (ignored by git), so a lab
#: left by a crashed run has the same id next time and is cleaned up before use.
SCRATCH = ROOT / ".deployer" / "lab-tests"


def lab_unavailable() -> str | None:
    """Why this machine cannot host lab hosts, or None if it can."""
    if os.geteuid() != 0:
        return "lab tests need root (network namespaces, bridges, mounts)"
    if shutil.which("ip") is None or not Path("/proc/self/ns/net").exists():
        return "lab tests need network namespaces and iproute2"
    probe = f"dpl-probe-{uuid.uuid4().hex[:6]}"
    made = subprocess.run(
        ["ip", "netns", "add", probe], capture_output=True, text=True, check=False
    )
    if made.returncode != 0:
        return f"this machine cannot create network namespaces: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "delete", probe], check=True)
    return None


def cache_dir() -> Path:
    return lab.cache_dir_from(os.environ, Path.home())


@dataclass(frozen=True)
class Lab:
    spec: Path
    ssh_config: Path
    known_hosts: Path
    #: Log in the spec's way (``deployer lab ssh``: passwords, jumps), not with ssh -F's key.
    spec_login: bool = False

    def ssh(
        self, host: str, command: str, timeout: float = 300, options: Sequence[str] = ()
    ) -> subprocess.CompletedProcess[str]:
        """Run ``command`` on ``host`` over real ssh with strict host key checking; extra
        ``options`` always go to ssh -F with the lab's ssh_config."""
        if self.spec_login and not options:
            argv = [sys.executable, "-m", "deployer", "lab", "ssh", str(self.spec), host, "--"]
            return subprocess.run(
                [*argv, command], capture_output=True, text=True, timeout=timeout, check=False
            )
        extra = [word for option in options for word in ("-o", option)]
        argv = ["ssh", "-F", str(self.ssh_config), "-o", "StrictHostKeyChecking=yes", *extra, host]
        return subprocess.run(
            [*argv, command], capture_output=True, text=True, timeout=timeout, check=False
        )


def free_subnet(skip: Sequence[str] = ()) -> str:
    return str(network.free_subnet(skip))


def start_lab(
    spec: Path,
    subnet: str,
    flavour: lab.state.Backend | None = None,
    releases: Mapping[str, str] | None = None,
    *,
    offline: bool = False,
) -> Lab:
    """The lab of ``spec``; ``releases`` gives hosts another Debian release than the
    default (host name -> "debian-11", "debian-12" or "debian-13"), as ``--os HOST=RELEASE``."""
    lab.down(spec)  # leftovers of a crashed earlier run
    os_choice = lab.OsChoice(hosts=dict(releases or {}))
    options = lab.UpOptions(
        cache_dir=cache_dir(), subnet=subnet, flavour=flavour, os=os_choice, offline=offline
    )
    try:
        lab.up(spec, options)
    except LabError as exc:
        # Twice in full CI runs a lab failed to come up, and never here: once offline, once
        # a host that sshd answered for but turned every login away for 120 s, as during a
        # boot. The message now quotes the host's console; keep it in the log, and try once
        # more (lab up undoes a failed start itself).
        print(f"lab up failed, trying once more: {exc}", file=sys.stderr)
        lab.up(spec, options)
    return Lab(spec, lab.lab_ssh_config(spec), lab.lab_known_hosts(spec))


#: Lab-only database passwords, with characters SQL, YAML, Jinja and shells treat specially,
#: and a part drawn anew for each test session: a record or document that shows one is caught
#: by its value, not by a spelling a test knows in advance.
DB_SECRETS = {
    "HUADONG_DB_ADMIN_PASSWORD": f"lab Adm1n;pw'\"{uuid.uuid4().hex[:10]}",
    "HUADONG_DB_APP_PASSWORD": f"app {{{{pw}}}} #x{uuid.uuid4().hex[:10]}",
}
UPGRADE = EXAMPLE.with_name("huadong-production-1.1.yml")


@contextlib.contextmanager
def running_lab(
    spec: Path, releases: Mapping[str, str] | None = None, *, offline: bool = False
) -> Iterator[Lab]:
    """The lab of ``spec`` on a free subnet for the block, taken down after it; the test is
    skipped, saying why, where this machine cannot host lab hosts. ``releases``: host name
    -> Debian release, as for start_lab."""
    reason = lab_unavailable()
    if reason:
        pytest.skip(reason)
    started = start_lab(spec, free_subnet(), releases=releases, offline=offline)
    try:
        yield started
    finally:
        lab.down(spec)


@contextlib.contextmanager
def upgrade_lab(
    name: str, releases: Mapping[str, str] | None = None, *, offline: bool = False
) -> Iterator[Lab]:
    """A lab for copies of the example (1.0) and its 1.1 upgrade in one scratch folder, so
    `--lab` on the upgrade's copy finds the lab of the first one; ``releases`` and
    ``offline`` as for start_lab (its hosts are app1 and db1)."""
    hosts = [("app1", ["web", "app"]), ("db1", ["db"])]
    folder = SCRATCH / name
    spec = derive_spec(EXAMPLE, folder / EXAMPLE.name, hosts, database_host="db1")
    derive_spec(UPGRADE, folder / UPGRADE.name, hosts, database_host="db1")
    with running_lab(spec, releases, offline=offline) as started:
        yield started


def deployer_with_secrets(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command line, with the lab's database passwords in its environment."""
    return subprocess.run(
        [sys.executable, "-m", "deployer", *args],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
        env={**os.environ, **DB_SECRETS},
    )


def deployer_ok(*args: str) -> subprocess.CompletedProcess[str]:
    """``deployer_with_secrets`` that must succeed; its output tail is the failure message."""
    done = deployer_with_secrets(*args)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def last_run(spec: Path) -> dict[str, Any]:
    """The newest run of the lab spec's journal, as ``deployer show --json`` prints it."""
    shown = deployer_ok("show", str(spec), "last", "--lab", "--json")
    return dict(json.loads(shown.stdout))


def served_health(started: Lab) -> dict[str, Any]:
    """The product's health page through nginx on app1, as a user's browser would come in."""
    done = started.ssh("app1", "curl -sf http://localhost/erp/health.jsp")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def release_pair_specs(
    folder: Path,
    hosts: Sequence[tuple[str, Sequence[str]]],
    changes: Callable[[dict[str, Any]], None],
) -> Path:
    """The example and its 1.1 upgrade derived for ``hosts`` (db1 holding the database) into
    ``folder``, each edited by ``changes``; returns the example's copy."""
    for source in (EXAMPLE, UPGRADE):
        spec = derive_spec(source, folder / source.name, hosts, database_host="db1")
        data = yaml.safe_load(spec.read_text(encoding="utf-8"))
        changes(data)
        spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return folder / EXAMPLE.name


#: The mixed-release topology: app1 (web, app) on Debian 13, db1 (database) on Debian 11.
MIXED_RELEASES = {"app1": "debian-13", "db1": "debian-11"}


def _ask_for_what_the_mixed_releases_package(data: dict[str, Any]) -> None:
    data["middleware"]["jdk"]["version"] = "21"
    data["middleware"]["tomcat"]["version"] = "10.1"
    data["database"]["version"] = "10.5"


@contextlib.contextmanager
def mixed_release_lab(name: str) -> Iterator[Lab]:
    """The example and its 1.1 upgrade on MIXED_RELEASES, asking for what those releases
    package (JDK 21 and Tomcat 10.1 on app1, MariaDB 10.5 on db1)."""
    hosts = [("app1", ["web", "app"]), ("db1", ["db"])]
    spec = release_pair_specs(SCRATCH / name, hosts, _ask_for_what_the_mixed_releases_package)
    with running_lab(spec, MIXED_RELEASES) as started:
        yield started


def write_spec(name: str, hosts: Sequence[tuple[str, Sequence[str]]]) -> Path:
    """A spec like the example's, with other hosts (no db role, so no database)."""
    return derive_spec(EXAMPLE, SCRATCH / name / "small.yml", hosts)


def deployer_cli(*args: str, user: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    """The real ``deployer`` command line, optionally under ``setpriv`` as another user."""
    argv = [*user, sys.executable, "-m", "deployer", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)


def leftovers(spec: Path, pids: Sequence[int] = ()) -> list[str]:
    """Everything of the lab of ``spec`` still on the machine (empty when clean)."""
    names = LabNames(lab_id_for(spec))
    state_dir = lab.state_dir_for(spec)
    runtime_dir = runtime_dir_for(names.lab_id)
    found = [f"netns {n}" for n in _netns() if n.startswith(names.netns_prefix)]
    links = json.loads(
        subprocess.run(["ip", "-j", "link"], capture_output=True, text=True, check=False).stdout
    )
    found += [
        f"link {link['ifname']}"
        for link in links
        if link["ifname"].startswith(names.link_prefix) or link["ifname"] == names.bridge
    ]
    mountinfo = Path("/proc/self/mountinfo").read_text()
    found += [
        f"mount {line.split()[4]}"
        for line in mountinfo.splitlines()
        if str(state_dir) in line or str(runtime_dir) in line
    ]
    found += [f"process {pid}" for pid in pids if _running(pid)]
    found += [f"process {p} of the lab" for p in _processes_mentioning([state_dir, runtime_dir])]
    if shutil.which("nft"):
        tables = subprocess.run(
            ["nft", "list", "tables"], capture_output=True, text=True, check=False
        ).stdout
        found += [
            f"nft {names.nft_table}" for line in tables.splitlines() if names.nft_table in line
        ]
    propagate = Path("/run/systemd/nspawn/propagate")
    if propagate.is_dir():
        found += [
            f"propagate {p}" for p in propagate.iterdir() if p.name.startswith(names.netns_prefix)
        ]
    leftover_paths = (state_dir, runtime_dir, proxy_socket_for(names.lab_id))
    found += [f"path {path}" for path in leftover_paths if path.exists()]
    return found


def _netns() -> list[str]:
    with contextlib.suppress(OSError):
        return [p.name for p in Path("/run/netns").iterdir()]
    return []


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _processes_mentioning(folders: Sequence[Path]) -> list[int]:
    """Running processes whose command line names one of ``folders`` (nspawn -D ROOT,
    the proxy's -c CONFIG_DIR)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            cmdline = (entry / "cmdline").read_text(errors="replace")
            if any(str(f) in cmdline for f in folders) and _running(int(entry.name)):
                found.append(int(entry.name))
    return found


def lab_pids(spec: Path) -> list[int]:
    """Every process of the running lab: hosts' processes, nspawn/unshare, the proxy."""
    current = state.load(lab.state_dir_for(spec))
    assert current is not None
    netns = [Path("/run/netns") / h.netns for h in current.hosts]
    pids = [r.pid for r in processes.in_network_namespaces(netns)]
    pids += [h.process.pid for h in current.hosts if h.process]
    return pids + ([current.proxy.pid] if current.proxy else [])
