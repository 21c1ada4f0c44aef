"""``deployer lab status`` and ``lab down`` of a lab made from ``vagrant ssh-config`` output:
down runs the real teardown (``ip``, ``nft``), which looks on this machine for the links,
namespaces and firewall table a lab of this spec would have left (none, for Vagrant).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.vagrant_lab import cli, spec_copy, ssh_config_file


def test_status_and_down_of_a_vagrant_lab(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path)
    assert (
        cli("lab", "from-vagrant", str(spec), "--ssh-config", str(ssh_config_file(tmp_path)))[0]
        == 0
    )
    code, out, _ = cli("lab", "status", str(spec), "--json")
    status = json.loads(out)
    assert (code, status["backend"]) == (0, "vagrant")
    # The lab sends nothing to addresses it did not make: these are not probed.
    assert [h["state"] for h in status["hosts"]] == ["unknown", "unknown"]
    assert cli("lab", "down", str(spec))[0] == 0
    assert not (tmp_path / ".deployer" / "lab" / "huadong").exists()
