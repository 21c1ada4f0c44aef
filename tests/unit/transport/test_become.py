"""Commands as root: what each become method sends, and a refused password told apart."""

from __future__ import annotations

from deployer.transport.become import REFUSED, REFUSED_MARK, RootAccess, as_root, refused
from deployer.transport.hosts import become_refused
from deployer.transport.result import CommandResult, Failure


def test_root_and_become_false_run_the_command_as_it_is() -> None:
    assert as_root("id -un", RootAccess("none")) == ("id -un", b"")


def test_sudo_without_a_password_never_waits_for_one() -> None:
    command, prefix = as_root("cat > '/x y'", RootAccess())
    assert (command, prefix) == ("sudo -n -- sh -c 'cat > '\"'\"'/x y'\"'\"''", b"")


def test_a_password_is_only_the_first_line_of_the_input() -> None:
    for method in ("sudo", "su"):
        command, prefix = as_root("id -un", RootAccess(method, "p4ss 'w\"rd"))
        assert prefix == b"p4ss 'w\"rd\n"
        assert "p4ss" not in command
        assert "IFS= read -r deployer_pw" in command
        assert f"exit {REFUSED}" in command


def test_sudo_with_a_password_still_runs_where_none_is_asked() -> None:
    command, _ = as_root("id -un", RootAccess("sudo", "pw"))
    assert "if sudo -n true 2>/dev/null; then exec sudo -n -- sh -c 'id -un'; fi" in command
    assert command.endswith("| sudo -k -S -p '' -- sh -c 'id -un'")


def test_su_hands_the_input_on_descriptor_3_and_sets_a_root_path() -> None:
    command, _ = as_root("id -un", RootAccess("su", "pw"))
    assert "exec 3<&0" in command
    assert "exec 0<&3 3<&-; PATH=/usr/local/sbin" in command
    assert "su root -c" in command


def test_a_refused_password_is_a_failure_naming_the_method_not_an_exit_status() -> None:
    stderr = f"{REFUSED_MARK}: su did not accept the password\n"
    assert refused(REFUSED, stderr) and not refused(REFUSED, "") and not refused(1, stderr)
    result = CommandResult("db1", "id -un", REFUSED, "", stderr, 2.0)
    failed = become_refused(result, RootAccess("su", "pw"))
    assert (failed.failure, failed.exit_status, failed.connected) == (Failure.BECOME, None, False)
    assert failed.describe() == "db1: become: su with root's password: the password was refused"
    ran = CommandResult("db1", "id -un", 0, "root\n", "", 0.1)
    assert become_refused(ran, RootAccess("su", "pw")) is ran


def test_descriptions_never_show_the_password() -> None:
    access = RootAccess("sudo", "hunter2")
    assert "hunter2" not in repr(access) and "hunter2" not in access.describe()
    assert access == RootAccess("sudo", "other")  # passwords take no part in comparisons
