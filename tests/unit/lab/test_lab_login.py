"""Why a lab host cannot be logged in to, told from its console: a host whose boot stalls
leaves sshd answering while pam_nologin closes every connection without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.errors import LabError
from deployer.lab import login
from deployer.lab.hosts import boot_story
from deployer.transport.result import CommandResult
from deployer.transport.ssh import SshOptions, SshTarget

STALLED_BOOT = (
    "Spawning container dpl-1-db1 on /var/lib/deployer-lab/1/db1/root.\n"
    "[\x1b[0;32m  OK  \x1b[0m] Reached target \x1b[0;1;39mbasic.target\x1b[0m.\r\r\n"
    "[\x1b[0;1;31mFAILED\x1b[0m] Failed to start \x1b[0;1;39mdbus.service\x1b[0m.\r\r\n"
    "\x1b[K[    \x1b[0;31m*\x1b[0;1;31m*\x1b[0m] A start job is running for "
    "User Login Management (1min 52s / 2min 30s)\r"
)


def test_a_stalled_boot_is_told_by_its_failures_and_the_job_it_waits_for(tmp_path: Path) -> None:
    console = tmp_path / "console.log"
    console.write_text(STALLED_BOOT)
    assert boot_story(console) == (
        "[FAILED] Failed to start dbus.service. | "
        "[    **] A start job is running for User Login Management (1min 52s / 2min 30s)"
    )


def test_a_finished_boot_is_told_by_its_last_line_and_a_missing_log_by_nothing(
    tmp_path: Path,
) -> None:
    console = tmp_path / "console.log"
    console.write_text("Spawning container x.\n[  OK  ] Reached target multi-user.target.\r\r\n")
    assert boot_story(console) == "[  OK  ] Reached target multi-user.target."
    assert boot_story(tmp_path / "gone.log") == ""


def test_a_login_closed_without_a_word_names_the_boot_and_quotes_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    console = tmp_path / "console.log"
    console.write_text(STALLED_BOOT)
    targets = [
        SshTarget(name=name, address=f"10.9.9.{n}", port=22, user="deploy")
        for n, name in enumerate(("app1", "db1"), start=10)
    ]

    def answers(waiting: list[SshTarget], command: str, options: SshOptions) -> dict:
        return {
            t.name: CommandResult(t.name, command, 0 if t.name == "app1" else 255, "", "", 0.1)
            for t in waiting
        }

    monkeypatch.setattr(login, "run_everywhere", answers)
    with pytest.raises(LabError) as raised:
        login.wait_for_login(targets, SshOptions(), 0.0, boot_log=lambda name: console)
    message = str(raised.value)
    assert message.startswith("cannot log in to db1 within 0 s: db1: `true` exited 255")
    assert "still booting (/run/nologin)" in message
    assert message.endswith(
        "A start job is running for User Login Management (1min 52s / 2min 30s)"
    )
    assert "\n" not in message
