"""keys install's host script as real shells run it, in a scratch HOME: the key is added once,
whatever its comment, beside the lines already there, with the modes sshd requires."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from deployer.run.keys import INSTALL_SCRIPT, PublicKey

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly0123456789abcdefABCDEF eng@laptop"
SHELLS = [shell for shell in ("dash", "bash", "sh") if shutil.which(shell)]


def install(shell: str, home: Path, line: str = KEY) -> str:
    script = f"key_line={shlex.quote(PublicKey(Path('k.pub'), line).line)}\n{INSTALL_SCRIPT}"
    done = subprocess.run(
        [shell, "-s"],
        input=script,
        capture_output=True,
        text=True,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("shell", SHELLS)
def test_the_key_is_added_once_with_sshds_modes(shell: str, tmp_path: Path) -> None:
    assert install(shell, tmp_path) == "added"
    assert install(shell, tmp_path) == "present"
    renamed = KEY.rsplit(" ", 1)[0] + " other-comment"
    assert install(shell, tmp_path, renamed) == "present"
    folder = tmp_path / ".ssh"
    assert (folder / "authorized_keys").read_text(encoding="utf-8") == KEY + "\n"
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (folder / "authorized_keys").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("shell", SHELLS)
def test_lines_already_there_are_kept_and_options_do_not_hide_the_key(
    shell: str, tmp_path: Path
) -> None:
    folder = tmp_path / ".ssh"
    folder.mkdir(mode=0o755)
    blob = KEY.split()[1]
    existing = f'# old\nssh-rsa AAAAB3Other admin\nfrom="10.0.0.1" ssh-ed25519 {blob} x\n'
    (folder / "authorized_keys").write_text(existing, encoding="utf-8")
    assert install(shell, tmp_path) == "present"
    (folder / "authorized_keys").write_text("# ssh-ed25519 " + blob + "\n", encoding="utf-8")
    assert install(shell, tmp_path) == "added"  # a commented-out key does not count
    assert folder.stat().st_mode & 0o777 == 0o700


def test_the_script_is_posix_sh(tmp_path: Path) -> None:
    path = tmp_path / "install.sh"
    path.write_text(f"key_line='x'\n{INSTALL_SCRIPT}", encoding="utf-8")
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed")
    done = subprocess.run(
        ["shellcheck", "-s", "sh", "-S", "warning", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout
