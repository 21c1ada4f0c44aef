"""``--os [HOST=]RELEASE``: which Debian release each lab host runs, and what is refused."""

from __future__ import annotations

import pytest

from deployer.errors import ExitCode, UsageError
from deployer.lab.releases import DEFAULT_RELEASE, RELEASES, OsChoice, parse_os

HOSTS = ["app1", "db1"]
BUILDABLE = "debian-11 (bullseye), debian-12 (bookworm, the default), debian-13 (trixie)"


def _names(choice: OsChoice) -> dict[str, str]:
    return {host: release.name for host, release in choice.releases_for(HOSTS).items()}


def test_the_three_releases_and_their_suites() -> None:
    assert {name: r.suite for name, r in RELEASES.items()} == {
        "debian-11": "bullseye",
        "debian-12": "bookworm",
        "debian-13": "trixie",
    }
    assert DEFAULT_RELEASE == "debian-12"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], {"app1": "debian-12", "db1": "debian-12"}),
        (["debian-13"], {"app1": "debian-13", "db1": "debian-13"}),
        (["app1=debian-13"], {"app1": "debian-13", "db1": "debian-12"}),
        (["app1=debian-13", "db1=debian-11"], {"app1": "debian-13", "db1": "debian-11"}),
        # A bare release is every other host's; HOST=RELEASE wins wherever it is given.
        (["db1=debian-11", "debian-13"], {"app1": "debian-13", "db1": "debian-11"}),
        (["debian-11", "debian-13"], {"app1": "debian-13", "db1": "debian-13"}),
        (["app1=debian-11", "app1=debian-13"], {"app1": "debian-13", "db1": "debian-12"}),
    ],
)
def test_os_values_give_each_host_its_release(values: list[str], expected: dict[str, str]) -> None:
    assert _names(parse_os(values)) == expected


@pytest.mark.parametrize("value", ["debian-10", "app1=ubuntu-22.04", "bookworm", "app1=", ""])
def test_a_release_the_lab_cannot_build_is_one_usage_error_naming_what_it_can(value: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_os([value])
    message = str(caught.value)
    assert message.endswith(f"; it builds {BUILDABLE}")
    assert "\n" not in message
    assert caught.value.exit_code == ExitCode.USAGE


def test_an_option_without_a_host_before_its_equals_sign_is_refused() -> None:
    with pytest.raises(UsageError, match="--os '=debian-11': expected RELEASE or HOST=RELEASE"):
        parse_os(["=debian-11"])


def test_an_unknown_host_is_refused_naming_the_specs_hosts() -> None:
    choice = parse_os(["web9=debian-11", "app1=debian-13"])
    with pytest.raises(UsageError) as caught:
        choice.releases_for(HOSTS)
    assert str(caught.value) == "--os names 'web9', not a host of the spec; its hosts: app1, db1"


def test_a_rebuild_keeps_each_hosts_release_unless_told_otherwise() -> None:
    remembered = {"app1": "debian-13", "db1": "debian-11", "gone": "debian-13"}
    assert _names(OsChoice().remembering(remembered)) == {"app1": "debian-13", "db1": "debian-11"}
    one = parse_os(["db1=debian-12"]).remembering(remembered)
    assert _names(one) == {"app1": "debian-13", "db1": "debian-12"}
    every = parse_os(["debian-12"]).remembering(remembered)
    assert _names(every) == {"app1": "debian-12", "db1": "debian-12"}


def test_a_remembered_release_this_deployer_cannot_build_is_refused() -> None:
    with pytest.raises(UsageError, match="cannot build 'debian-14'"):
        OsChoice().remembering({"app1": "debian-14"}).releases_for(HOSTS)


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize("command", ["up", "rebuild"])
def test_the_command_line_refuses_an_unknown_release_before_touching_anything(
    cli, command: str
) -> None:
    done = cli(["lab", command, "examples/huadong-production.yml", "--os", "debian-10"])
    assert done.code == ExitCode.USAGE, done.err
    assert done.err_lines == [f"error: the lab cannot build 'debian-10'; it builds {BUILDABLE}"]
