"""A lab host whose python3 was removed: `check` reports it (FAIL, with the remediation),
`check --bootstrap-python` only says what apply would do, apply without it refuses the host,
and `apply --bootstrap-python` installs python3 over SSH with apt-get before Ansible runs: the
whole apply (database, middleware, release) succeeds and check's python.manager passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from labsupport import DB_SECRETS, EXAMPLE, SCRATCH, Lab, running_lab

from deployer import lab
from deployer.lab.derive import derive_spec

pytestmark = pytest.mark.lab

#: Removing these takes every Python package with them (python3, python3.11, python3-apt):
#: a host as if Python had never been installed, with apt's bookkeeping intact.
PYTHON_PACKAGES = "python3-minimal libpython3.11-minimal"


def _deployer(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "deployer", *args],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
        env={**os.environ, **DB_SECRETS},
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _manager(spec: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    """check's exit code and its python.manager result for app1."""
    out = spec.parent / ".deployer" / "python-check.json"
    done = _deployer("check", str(spec), "--lab", "--json", str(out), *extra)
    report = json.loads(out.read_text(encoding="utf-8"))
    [host] = [h for h in report["hosts"] if h["host"] == "app1"]
    [result] = [r for r in host["results"] if r["check_id"] == "python.manager"]
    return done.returncode, result


def _pythons(started: Lab) -> str:
    found = started.ssh("app1", "ls /usr/bin/python3* 2>/dev/null; true")
    assert found.returncode == 0, found.stderr
    return found.stdout.strip()


def test_a_host_without_python_is_reported_then_bootstrapped() -> None:
    # The example's topology on a lab of its own: app1 loses its Python, db1 keeps it.
    hosts = [("app1", ["web", "app"]), ("db1", ["db"])]
    target = SCRATCH / "bootstrap-python" / EXAMPLE.name
    spec = derive_spec(EXAMPLE, target, hosts, database_host="db1")
    with running_lab(spec) as started:
        removed = started.ssh(
            "app1", f"sudo env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q {PYTHON_PACKAGES}"
        )
        assert removed.returncode == 0, removed.stdout + removed.stderr
        assert _pythons(started) == ""

        code, result = _manager(spec)
        assert code == 4
        assert (result["status"], result["observed"]) == ("FAIL", "no Python found")
        assert "apt-get install -y python3 python3-apt" in result["remediation"]
        assert "--bootstrap-python" in result["remediation"]

        code, result = _manager(spec, "--bootstrap-python")
        assert result["status"] == "WARN"
        assert result["observed"].endswith("would run: apt-get install -y python3 python3-apt")
        assert _pythons(started) == ""  # the scan changed nothing

        refused = _deployer("apply", str(spec), "--lab", "-y")
        assert refused.returncode == 4, refused.stdout + refused.stderr
        assert "app1: no Python found" in refused.stderr

        applied = _deployer("apply", str(spec), "--lab", "-y", "--bootstrap-python")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "/usr/bin/python3" in _pythons(started)

        _, result = _manager(spec)  # ports now taken by the product: only this check counts
        assert result["status"] == "PASS"
        assert result["observed"].startswith("python3 3.11.2 at /usr/bin/python3, engine current")
        runs = lab.lab_spec_path(spec).parent / "runs"
        events = [
            json.loads(line)
            for path in runs.glob("*/events.jsonl")
            for line in path.read_text(encoding="utf-8").splitlines()
        ]
        [event] = [e for e in events if e["event"] == "bootstrap"]
        assert (event["host"], event["command"]) == (
            "app1",
            "apt-get install -y python3 python3-apt",
        )
