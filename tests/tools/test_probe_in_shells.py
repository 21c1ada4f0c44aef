"""The real probe under the POSIX shells customers' hosts have (dash, bash --posix, busybox ash,
posh), fed on stdin as a transport would, and through shellcheck. Each skips where its program
is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from deployer.facts import FACTS, build_probe, parse_probe, split_sections


def _shells() -> list[object]:
    candidates = {
        "dash": ["dash", "-s"],
        "bash-posix": ["bash", "--posix", "-s"],
        "busybox-ash": ["busybox", "sh", "-s"],
        "posh": ["posh"],
    }
    return [
        pytest.param(argv, id=name)
        if shutil.which(argv[0])
        else pytest.param(argv, id=name, marks=pytest.mark.skip(reason=f"{argv[0]} not installed"))
        for name, argv in candidates.items()
    ]


@pytest.mark.parametrize("argv", _shells())
def test_probe_runs_under_posix_shells(argv: list[str], tmp_path: Path) -> None:
    """The real probe, fed on stdin as a transport would, on this machine."""
    script = build_probe(["/", str(tmp_path / "not" / "there yet")])
    done = subprocess.run(
        argv, input=script, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    sections = split_sections(done.stdout)
    assert set(sections) == {fact.id for fact in FACTS}
    facts = parse_probe(done.stdout)
    assert facts.unknown == {}
    assert facts.disks is not None and [d.checked for d in facts.disks] == ["/", str(tmp_path)]


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_probe_passes_shellcheck() -> None:
    done = subprocess.run(
        ["shellcheck", "-s", "sh", "-S", "warning", "-"],
        input=build_probe(["/opt"]),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout
