from pathlib import Path

from deployer.transport.result import CommandResult, Failure
from deployer.transport.ssh import SshOptions, SshTarget, _classify, ssh_argv


def test_host_keys_are_always_checked_strictly() -> None:
    target = SshTarget("app1", "10.0.0.5", 2222, "deploy", Path("/k"), Path("/kh"))
    argv = ssh_argv(target, SshOptions(control_dir=Path("/ctl")))
    joined = " ".join(argv)
    assert "StrictHostKeyChecking=yes" in joined
    assert "StrictHostKeyChecking=no" not in joined
    assert 'UserKnownHostsFile="/kh"' in joined
    assert "BatchMode=yes" in joined and 'ControlPath="/ctl/%C"' in joined
    assert argv[-1] == "10.0.0.5" and argv[argv.index("-p") + 1] == "2222"


def test_ssh_own_failures_are_classified() -> None:
    assert _classify(255, "Host key verification failed.") is Failure.HOST_KEY
    assert _classify(255, "deploy@h: Permission denied (publickey).") is Failure.AUTH
    assert _classify(255, "ssh: connect to host h port 22: Connection timed out") is Failure.TIMEOUT
    refused = "ssh: connect to host h port 22: Connection refused"
    assert _classify(255, refused) is Failure.UNREACHABLE
    assert _classify(1, "Permission denied") is None
    assert _classify(255, "") is None


def test_describe_shows_command_status_and_last_lines() -> None:
    result = CommandResult("db1", "systemctl start x", 3, "", "a\nb\nc\nd\n", 0.1)
    assert result.describe() == "db1: `systemctl start x` exited 3: b | c | d"
    failed = CommandResult("db1", "true", None, "", "", 0.0, Failure.AUTH, "denied")
    assert not failed.ok and failed.describe() == "db1: auth: denied"


def test_a_connection_without_a_shared_master_also_notices_a_lost_host() -> None:
    # The database tunnel has no ControlMaster: without keepalives its session waited for
    # the driver's read timeout (minutes) after the database host dropped off the network.
    target = SshTarget("db1", "10.0.0.6", 22, "deploy", Path("/k"), Path("/kh"))
    joined = " ".join(ssh_argv(target, SshOptions()))
    assert "ControlMaster" not in joined
    assert "ServerAliveInterval=5" in joined and "ServerAliveCountMax=3" in joined
