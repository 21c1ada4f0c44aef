"""What the product role's release_rollback module does (module_utils/deployer_release.py), on
real files in a scratch folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.support.role_modules import role_module

MARKER, FAILED = "WEB-INF/deployer-release.json", "WEB-INF/deployer-failed"


def module() -> Any:
    return role_module("product", "deployer_release", "module_utils")


def release(root: Path, name: str, *, failed: bool = False) -> str:
    folder = root / "releases" / name
    (folder / "WEB-INF").mkdir(parents=True)
    (folder / MARKER).write_text("{}")
    if failed:
        (folder / FAILED).write_text("left\n")
    return str(folder)


def test_only_a_complete_release_that_never_failed_is_gone_back_to(tmp_path: Path) -> None:
    m, releases = module(), str(tmp_path / "releases")
    good, bad = release(tmp_path, "1.0-a"), release(tmp_path, "1.1-b", failed=True)
    half = tmp_path / "releases" / "1.0-c"
    half.mkdir()
    assert m.problems(releases, good, bad, MARKER, FAILED, {}) == []
    assert m.problems(releases, "", good, MARKER, FAILED, {}) == []
    assert "left by an earlier rollback" in m.problems(releases, bad, good, MARKER, FAILED, {})[0]
    assert "not a complete release" in m.problems(releases, str(half), "", MARKER, FAILED, {})[0]
    assert "not a folder directly in" in m.problems(releases, "/etc", "", MARKER, FAILED, {})[0]
    lost = m.problems(releases, good, "", MARKER, FAILED, {"/etc/x": str(tmp_path / "gone~")})
    assert lost == [f"backups missing, cannot restore from them: {tmp_path / 'gone~'}"]


def test_a_backup_comes_back_with_its_mode_and_only_when_it_differs(tmp_path: Path) -> None:
    m = module()
    config, backup = tmp_path / "erp.properties", tmp_path / "erp.properties.1.bak~"
    backup.write_text("version=1.0\n")
    backup.chmod(0o640)
    config.write_text("version=1.1\n")
    config.chmod(0o644)
    assert m.differs(str(config), str(backup))
    m.restore_file(str(config), str(backup))
    assert config.read_text() == "version=1.0\n"
    assert config.stat().st_mode & 0o777 == 0o640
    assert not m.differs(str(config), str(backup))
    assert not (tmp_path / "erp.properties.deployer-restore").exists()


def test_current_is_switched_by_renaming_a_new_link_over_it(tmp_path: Path) -> None:
    m = module()
    old, new = release(tmp_path, "1.1-b"), release(tmp_path, "1.0-a")
    current = tmp_path / "current"
    assert m.live_release(str(current)) == ""
    os.symlink(old, current)
    assert m.live_release(str(current)) == old
    m.switch_link(str(current), new)
    assert os.readlink(current) == new
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "releases"]
    (tmp_path / "plain").mkdir()
    assert m.live_release(str(tmp_path / "plain")) is None


def test_the_pages_kept_for_the_release_gone_back_to_replace_the_left_ones(
    tmp_path: Path,
) -> None:
    m = module()
    work = tmp_path / "erp"
    (work / "org").mkdir(parents=True)
    (work / "org" / "health_jsp.class").write_text("1.1")
    kept = tmp_path / "erp@1.0-a"
    (kept / "org").mkdir(parents=True)
    (kept / "org" / "health_jsp.class").write_text("1.0")
    m.swap_compiled_pages(str(work), str(tmp_path / "releases" / "1.0-a"))
    assert (work / "org" / "health_jsp.class").read_text() == "1.0"
    assert not kept.exists()
    m.swap_compiled_pages(str(work), str(tmp_path / "releases" / "0.9-z"))
    assert not work.exists()


class _Systemd:
    """``run`` for start_service, with a unit that runs or not."""

    def __init__(self, running: bool) -> None:
        self.running, self.ran = running, []

    def __call__(self, argv: list[str]) -> tuple[int, str, str]:
        self.ran.append(argv[1:])
        return (0 if self.running or argv[1] != "is-active" else 3), "", ""


def test_tomcat_is_started_or_restarted_only_when_the_rollback_needs_it() -> None:
    m, systemctl = module(), "/usr/bin/systemctl"
    stopped, running, untouched = _Systemd(False), _Systemd(True), _Systemd(True)
    assert m.start_service(stopped, systemctl, "tomcat10", False, False) == (True, "")
    assert stopped.ran[-1] == ["start", "tomcat10"]
    assert m.start_service(running, systemctl, "tomcat10", True, False) == (True, "")
    assert running.ran[-1] == ["restart", "tomcat10"]
    assert m.start_service(untouched, systemctl, "tomcat10", False, False) == (False, "")
    assert untouched.ran == [["is-active", "--quiet", "tomcat10"]]
    assert m.start_service(_Systemd(False), systemctl, "", True, False) == (False, "")


def test_a_start_that_fails_says_which_and_why() -> None:
    def refused(argv: list[str]) -> tuple[int, str, str]:
        return (3, "", "") if argv[1] == "is-active" else (1, "", "Unit tomcat10 is masked.\n")

    started = module().start_service(refused, "/bin/systemctl", "tomcat10", False, False)
    assert started == (False, "systemctl start tomcat10 failed: Unit tomcat10 is masked.")
