"""Where deployer finds its Ansible content: the override, else the running package's own
(the copy a built package carries, or the source tree of an editable install)."""

from __future__ import annotations

from pathlib import Path

import pytest

import deployer
from deployer.errors import ExitCode
from deployer.executors.ansible.content import (
    CONTENT_ENV,
    ContentNotFoundError,
    content_dir,
    find_content,
)

REPO = Path(__file__).resolve().parents[3]


def content(root: Path) -> Path:
    """``root`` with (empty) playbooks/ and roles/ folders, as deployer recognises content."""
    (root / "playbooks").mkdir(parents=True)
    (root / "roles").mkdir()
    return root


def test_the_override_comes_first(tmp_path: Path) -> None:
    other = content(tmp_path / "other")
    package = tmp_path / "site-packages" / "deployer"
    content(package / "_content")
    assert find_content(str(other), package) == other


def test_an_override_without_content_is_refused_not_passed_over(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "deployer"
    content(package / "_content")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ContentNotFoundError) as raised:
        find_content(str(tmp_path / "empty"), package)
    assert str(raised.value) == f"{CONTENT_ENV}: no playbooks/ and roles/ in {tmp_path}/empty"
    assert raised.value.exit_code == ExitCode.USAGE


def test_an_installed_package_uses_the_copy_it_carries(tmp_path: Path) -> None:
    package = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "deployer"
    bundled = content(package / "_content")
    assert find_content(None, package) == bundled
    assert find_content("", package) == bundled  # an empty override is no override


def test_the_carried_copy_comes_before_a_source_tree(tmp_path: Path) -> None:
    content(tmp_path)
    package = tmp_path / "src" / "deployer"
    bundled = content(package / "_content")
    assert find_content(None, package) == bundled


def test_an_editable_install_uses_the_source_tree(tmp_path: Path) -> None:
    checkout = content(tmp_path / "checkout")
    package = checkout / "src" / "deployer"
    package.mkdir(parents=True)
    assert find_content(None, package) == checkout


def test_an_installed_package_without_its_copy_says_where_it_looked(tmp_path: Path) -> None:
    # Content two levels up from an installed package is not the package's: never used.
    lib = content(tmp_path / "venv" / "lib")
    package = lib / "site-packages" / "deployer"
    package.mkdir(parents=True)
    with pytest.raises(ContentNotFoundError) as raised:
        find_content(None, package)
    message = str(raised.value)
    assert message.startswith(f"no playbooks/ and roles/ in {package}/_content: ")
    assert CONTENT_ENV in message


def test_a_source_tree_without_content_names_both_places(tmp_path: Path) -> None:
    package = tmp_path / "src" / "deployer"
    package.mkdir(parents=True)
    with pytest.raises(ContentNotFoundError) as raised:
        find_content(None, package)
    assert f"in {package}/_content or {tmp_path}: " in str(raised.value)


def test_content_dir_reads_the_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CONTENT_ENV, str(content(tmp_path)))
    assert content_dir() == tmp_path


def test_this_checkout_runs_its_own_content(monkeypatch: pytest.MonkeyPatch) -> None:
    if Path(deployer.__file__).resolve().parent != REPO / "src" / "deployer":
        pytest.skip("deployer is not imported from this checkout (not an editable install)")
    monkeypatch.delenv(CONTENT_ENV, raising=False)
    assert content_dir() == REPO
    assert (content_dir() / "playbooks" / "site.yml").is_file()
