"""The real probe under the POSIX shells customers' hosts have (dash, bash --posix, busybox ash,
posh), fed on stdin as a transport would, and through shellcheck; its prelude's helpers on the
cases where those shells differ. Each skips where its program is missing.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from deployer.facts import FACTS, build_probe, parse_probe, split_sections
from deployer.facts.base import Fact
from deployer.facts.prelude import PRELUDE


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


@pytest.mark.parametrize("argv", _shells())
def test_a_section_starts_as_a_subshell_would_without_being_one(argv: list[str]) -> None:
    """Sections share the probe's shell; nothing one leaves behind reaches the next."""
    first = 'v=left; for f in x; do :; done; read -r r </dev/null; deployer_new key; echo "$#"'
    second = 'echo "[${v-unset}] [${f-unset}] [${r-unset}] $#"; deployer_new key && echo new'
    facts = (
        Fact("a.first", "hostname", first, str, uses_paths=True),
        Fact("b.second", "kernel", second, str),
    )
    done = subprocess.run(
        argv, input=build_probe(["/", "/opt"], facts), capture_output=True, text=True, check=True
    )
    bodies = {name: section.body for name, section in split_sections(done.stdout).items()}
    assert bodies == {"a.first": "2\n", "b.second": "[unset] [unset] [unset] 0\nnew\n"}


#: The prelude's builtin stand-ins for cat, head, grep, readlink -f and command -v, on the
#: cases where shells differ: a last line without a newline, blank lines, several globs,
#: linked folders, a file in PATH that is not executable.
HELPERS = r"""
deployer_read -1 "$1/release" 'A=*' 'B=*'; printf '[%s]\n' "$deployer_found"
deployer_read 1 "$1/missing" '*' || printf 'none\n'
deployer_lines 2 '> ' "$(printf 'x\n\ny\nz\n')" '*'
deployer_lines -1 '' "$(printf 'C.utf8\nlatin1\nen_US.UTF-8')" '*[Uu][Tt][Ff]8*' '*[Uu][Tt][Ff]-8*'
deployer_real "$1/linked/bin/tool"; printf '%s\n' "$deployer_r"
deployer_real "$1/tool-link"; printf '%s\n' "$deployer_r"
PATH="$1/plain:$1/real/bin:$PATH"; deployer_which tool && printf '%s\n' "$deployer_w"
deployer_which no-such-program || printf 'absent [%s]\n' "$deployer_w"
"""


@pytest.mark.parametrize("argv", _shells())
def test_prelude_helpers_agree_across_shells(argv: list[str], tmp_path: Path) -> None:
    (tmp_path / "release").write_text("A=1\nC=3\n\nB=2")
    (tmp_path / "real" / "bin").mkdir(parents=True)
    (tmp_path / "real" / "bin" / "tool").write_text("")
    (tmp_path / "real" / "bin" / "tool").chmod(0o755)
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "tool").write_text("")  # not executable: command -v passes it by
    (tmp_path / "linked").symlink_to("real")
    (tmp_path / "tool-link").symlink_to("real/bin/tool")
    script = f"set -- {shlex.quote(str(tmp_path))}\n{PRELUDE}{HELPERS}"
    done = subprocess.run(
        argv, input=script, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stderr == ""
    tool = tmp_path.resolve() / "real" / "bin" / "tool"
    assert done.stdout.splitlines() == [
        "[A=1",
        "B=2]",
        "none",
        "> x",
        "> ",
        "C.utf8",
        "en_US.UTF-8",
        str(tool),
        str(tool),
        f"{tmp_path}/real/bin/tool",
        "absent []",
    ]


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
