"""Hosts reached as customer sites allow, built that way by the lab and nothing else:

* gate, a bastion (nothing installed there), logs in with a password only;
* app1 (web, app) logs in with a password only, answers SSH only from gate (``via: gate``,
  enforced by nftables in its namespace), and has no sudo: root is reached with su and root's
  password;
* db1 (db) logs in with a password only, its sudo asks for that password, and it answers SSH
  only from app1 (``via: app1``): two jumps away, gate then app1.

The passwords are random, with characters shells, YAML and sudo treat specially. The scan,
apply (the product served through nginx), an upgrade and ``rollback --last`` all work; no
password appears in the output, in any file of the runs or the lab, or in ``ps`` taken while
apply runs; a wrong login or become password stops the command with exit 5 naming the host,
before anything changes; a first contact shows each host's key; and ``keys install`` switches
both hosts to key logins (before the product is installed, so that the scan with key logins
passes as a whole).

One lab for the module; tests run in order and build on each other.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from labsupport import (
    DB_SECRETS,
    SCRATCH,
    UPGRADE,
    Lab,
    deployer_ok,
    deployer_with_secrets,
    last_run,
    release_pair_specs,
    running_lab,
    served_health,
)

from deployer import lab
from deployer.run.hostkeys import FirstContact, HostKeyUnknown, trust_first_contacts
from deployer.run.targets import ssh_targets
from deployer.spec import load_environment
from deployer.transport.login import write_askpass
from deployer.transport.ssh import SshOptions

pytestmark = pytest.mark.lab


def _password() -> str:
    return f"{secrets.token_urlsafe(9)} $x'\"; #{secrets.token_hex(3)}"


PASSWORDS = {
    "LAB_GATE_PASSWORD": _password(),
    "LAB_APP1_PASSWORD": _password(),
    "LAB_APP1_ROOT_PASSWORD": _password(),
    "LAB_DB1_PASSWORD": _password(),
}
HOSTS = [("app1", ["web", "app"]), ("db1", ["db"])]


def _as_sites_allow(data: dict[str, Any]) -> None:
    hosts = {host["name"]: host for host in data["hosts"]}
    hosts["app1"]["auth"] = {"type": "password", "password": "${env:LAB_APP1_PASSWORD}"}
    hosts["app1"]["become"] = {"method": "su", "password": "${env:LAB_APP1_ROOT_PASSWORD}"}
    hosts["db1"]["auth"] = {"type": "password", "password": "${env:LAB_DB1_PASSWORD}"}
    hosts["db1"]["become"] = {"password": "${env:LAB_DB1_PASSWORD}"}
    hosts["db1"]["via"] = "app1"
    hosts["app1"]["via"] = "gate"
    data["bastions"] = [
        {
            "name": "gate",
            "address": "192.0.2.99",
            "auth": {"type": "password", "password": "${env:LAB_GATE_PASSWORD}"},
        }
    ]


@pytest.fixture(scope="module")
def access_lab() -> Iterator[Lab]:
    saved = {name: os.environ.get(name) for name in PASSWORDS}
    os.environ.update(PASSWORDS)
    try:
        spec = release_pair_specs(SCRATCH / "access-modes", HOSTS, _as_sites_allow)
        with running_lab(spec) as started:
            yield replace(started, spec_login=True)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def on_host(started: Lab, host: str, command: str) -> subprocess.CompletedProcess[str]:
    """``deployer lab ssh``: the spec's own way in (password, through the jump hosts)."""
    return started.ssh(host, command, timeout=120)


def leaked(text: str) -> list[str]:
    return [name for name, value in PASSWORDS.items() if value in text]


def test_each_host_is_reached_only_the_specs_way(access_lab: Lab) -> None:
    addresses = {h.name: h.address for h in lab.status(access_lab.spec).hosts}
    for fenced in ("app1", "db1"):  # dropped by their fences: only their jump may connect
        with pytest.raises(OSError):
            socket.create_connection((addresses[fenced], 22), timeout=2).close()
    no_sudo = on_host(access_lab, "app1", "command -v sudo || echo no sudo; echo $SSH_CLIENT")
    assert no_sudo.stdout.split()[:3] == ["no", "sudo", addresses["gate"]], no_sudo.stderr
    asks = on_host(access_lab, "db1", "sudo -n true 2>&1; echo $SSH_CLIENT")
    assert "password is required" in asks.stdout, asks.stdout + asks.stderr
    assert asks.stdout.split()[-3] == addresses["app1"]  # the session came from app1
    key = lab.state.load(lab.state_dir_for(access_lab.spec))
    assert key is not None
    # The lab's own key is not authorized where the spec logs in with a password.
    with_key = [
        f"IdentityFile={key.user_key}",
        "IdentitiesOnly=yes",
        "PubkeyAuthentication=yes",
        "PreferredAuthentications=publickey",
        "BatchMode=yes",
    ]
    refused = access_lab.ssh("app1", "true", options=with_key)
    assert refused.returncode == 255 and "Permission denied" in refused.stderr


def test_the_scan_says_how_each_host_was_reached(access_lab: Lab, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    done = deployer_ok("check", str(access_lab.spec), "--lab", "--json", str(report))
    assert leaked(done.stdout + done.stderr) == []
    results = {
        (host["host"], result["check_id"]): result
        for host in json.loads(report.read_text(encoding="utf-8"))["hosts"]
        for result in host["results"]
    }
    login = {host: results[(host, "access.login")]["observed"] for host in ("app1", "db1")}
    assert login["app1"].endswith(" via gate, password login")
    assert login["db1"].endswith(" via gate -> app1, password login")
    root = {host: results[(host, "access.root")] for host in ("app1", "db1")}
    assert root["app1"]["status"] == root["db1"]["status"] == "PASS"
    assert root["app1"]["observed"] == "su with root's password made deploy root"
    assert root["db1"]["observed"] == "sudo with the user's password made deploy root"


def test_keys_install_switches_both_hosts_to_key_logins(access_lab: Lab, tmp_path: Path) -> None:
    key = tmp_path / "engineer"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    for said in ("key added", "key already there"):
        done = deployer_ok("keys", "install", str(access_lab.spec), "--lab", "--key", f"{key}.pub")
        assert done.stdout.count(said) == 2, done.stdout
        assert leaked(done.stdout + done.stderr) == []
    blob = key.with_suffix(".pub").read_text(encoding="utf-8").split()[1]
    for host in ("app1", "db1"):
        lines = on_host(access_lab, host, "cat ~/.ssh/authorized_keys").stdout.splitlines()
        assert sum(blob in line for line in lines) == 1
        modes = on_host(access_lab, host, "stat -c %a ~/.ssh ~/.ssh/authorized_keys").stdout
        assert modes.split() == ["700", "600"]
    data = yaml.safe_load(access_lab.spec.read_text(encoding="utf-8"))
    for host in data["hosts"]:
        host["auth"] = {"type": "key", "key_file": str(key)}
    keyed = access_lab.spec.with_name("keyed.yml")
    keyed.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    report = tmp_path / "report.json"
    deployer_ok("check", str(keyed), "--lab", "--json", str(report))
    logins = [
        result["observed"]
        for host in json.loads(report.read_text(encoding="utf-8"))["hosts"]
        for result in host["results"]
        if result["check_id"] == "access.login"
    ]
    assert len(logins) == 2 and all(o.endswith("key file login") for o in logins), logins


def _ps_samples(stop: threading.Event, into: list[str]) -> None:
    while not stop.wait(0.2):
        done = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=False)
        into.append(done.stdout)


def test_apply_serves_the_product_and_no_password_leaks(access_lab: Lab) -> None:
    samples: list[str] = []
    stop = threading.Event()
    sampler = threading.Thread(target=_ps_samples, args=(stop, samples))
    sampler.start()
    try:
        done = deployer_with_secrets("apply", str(access_lab.spec), "--lab", "-y")
    finally:
        stop.set()
        sampler.join()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert len(samples) > 10
    assert leaked("".join(samples)) == []
    assert leaked(done.stdout + done.stderr) == []
    assert served_health(access_lab)["version"] == "1.0"
    files = [path for path in access_lab.spec.parent.rglob("*") if path.is_file()]
    assert [str(path) for path in files if leaked(path.read_bytes().decode("latin-1"))] == []


def test_an_upgrade_is_rolled_back_with_last(access_lab: Lab) -> None:
    upgrade = access_lab.spec.with_name(UPGRADE.name)
    deployer_ok("apply", str(upgrade), "--lab", "-y")
    assert served_health(access_lab)["version"] == "1.1"
    done = deployer_ok("rollback", str(upgrade), "--lab", "--last")
    assert leaked(done.stdout + done.stderr) == []
    run = last_run(access_lab.spec)
    assert (run["kind"], run["status"]) == ("rollback", "successful")
    assert served_health(access_lab)["version"] == "1.0"


def _with(**passwords: str) -> dict[str, str]:
    return {**os.environ, **DB_SECRETS, **passwords}


def _deployer(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "deployer", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env, check=False)


def test_a_wrong_password_stops_before_anything_changes(access_lab: Lab) -> None:
    runs_before = len(list((access_lab.spec.parent / ".deployer").rglob("meta.json")))
    wrong = _with(LAB_DB1_PASSWORD="not the password")
    scanned = _deployer(wrong, "check", str(access_lab.spec), "--lab")
    assert scanned.returncode == 5, scanned.stdout + scanned.stderr
    applied = _deployer(wrong, "apply", str(access_lab.spec), "--lab", "-y")
    assert applied.returncode == 5, applied.stdout + applied.stderr
    errors = applied.stderr.strip().splitlines()
    assert len(errors) == 1 and "db1" in errors[0] and "auth" in errors[0], errors
    become = _deployer(
        _with(LAB_APP1_ROOT_PASSWORD="not root's"), "apply", str(access_lab.spec), "--lab", "-y"
    )
    assert become.returncode == 5, become.stdout + become.stderr
    errors = become.stderr.strip().splitlines()
    assert len(errors) == 1 and "app1" in errors[0] and "su" in errors[0], errors
    assert served_health(access_lab)["version"] == "1.0"
    run = last_run(access_lab.spec)
    assert run["kind"] != "apply" or not run.get("recap"), run
    assert runs_before <= len(list((access_lab.spec.parent / ".deployer").rglob("meta.json")))


def test_a_first_contact_shows_the_key_each_host_presents(access_lab: Lab, tmp_path: Path) -> None:
    """The spec's hosts as if nothing pinned them: both keys are fetched the spec's way (db1
    through app1, with passwords), shown and, once accepted, kept in known_hosts."""
    loaded = load_environment(lab.lab_spec_path(access_lab.spec))
    pinned = {h.name: h.host_key for h in loaded.env.hosts}
    targets = [replace(t, known_hosts=None) for t in ssh_targets(loaded, tmp_path / "pins")]
    seen: list[FirstContact] = []
    known = tmp_path / "known_hosts"
    options = SshOptions(askpass=write_askpass(tmp_path))

    def accept(contact: FirstContact) -> bool:
        seen.append(contact)
        return True

    assert trust_first_contacts(targets, options, known, accept) == 2
    assert [c.name for c in seen] == ["app1", "db1"]  # gate, the bastion, stays pinned
    assert {c.name: c.key for c in seen} == pinned
    assert all(c.fingerprint.startswith("ED25519 SHA256:") for c in seen)
    assert len(known.read_text(encoding="utf-8").splitlines()) == 2
    with pytest.raises(HostKeyUnknown, match=r"app1 \(.*first contact.*pin it in the spec"):
        trust_first_contacts(targets, options, tmp_path / "empty", lambda c: False)
