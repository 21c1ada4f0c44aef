"""deployer installed from its wheel, not editable, in a fresh venv: `deployer apply` of the
example on lab hosts works from a folder outside the repository, with the Ansible content the
wheel carries.

The wheel is built from a copy of the working tree (tracked and new files, not ignored ones),
so the build leaves no build/ or egg-info in the checkout. The venv is made without system
site packages and gets the wheel with its dependencies, as `pip install` gives a newcomer.
Ansible's own log (at verbosity 2 it names each task's file) shows which roles ran.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from labsupport import DB_SECRETS, EXAMPLE, ROOT, SCRATCH, lab_unavailable, running_lab

from deployer.lab.derive import derive_spec

pytestmark = pytest.mark.lab

#: Variables that would let the checkout's code or content leak into the installed deployer.
LEAKS = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "DEPLOYER_CONTENT_DIR")


def clean_environment(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k not in LEAKS}, **extra}


def copy_working_tree(target: Path) -> Path:
    """The checkout's tracked and untracked files (ignored ones left out) under ``target``."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is not copied
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    assert done.returncode == 0, f"{argv}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def install_wheel(work: Path) -> Path:
    """A fresh venv under ``work`` with deployer installed from a wheel of the working tree."""
    env = clean_environment()
    source = copy_working_tree(work / "source")
    dist = work / "dist"
    pip = [sys.executable, "-m", "pip"]
    run([*pip, "wheel", "--no-deps", "-q", "-w", str(dist), str(source)], work, env)
    (wheel,) = dist.glob("deployer-*.whl")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)], work, env)
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], work, env)
    return venv


def site_packages(venv: Path, elsewhere: Path) -> Path:
    """Where the venv's Python imports deployer from, asked from ``elsewhere``."""
    code = "import deployer, pathlib; print(pathlib.Path(deployer.__file__).resolve().parent)"
    done = run([str(venv / "bin" / "python"), "-c", code], elsewhere, clean_environment())
    return Path(done.stdout.strip()).parent


def test_an_installed_wheel_applies_the_example_from_another_folder(tmp_path: Path) -> None:
    reason = lab_unavailable()
    if reason:
        pytest.skip(reason)
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip(
            f"{ROOT} is not a git checkout (or git is missing): the wheel is built from the "
            "files git tracks there"
        )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert not elsewhere.resolve().is_relative_to(ROOT)
    hosts = [("app1", ["web", "app"]), ("db1", ["db"])]
    spec = derive_spec(EXAMPLE, SCRATCH / "installed-package" / EXAMPLE.name, hosts, "db1")
    try:
        venv = install_wheel(tmp_path)
        site = site_packages(venv, elsewhere)
        assert site.is_relative_to(venv.resolve()), site
        content = site / "deployer" / "_content"
        assert (content / "playbooks" / "site.yml").is_file()
        assert (content / "roles" / "tomcat" / "tasks" / "main.yml").is_file()
        log = tmp_path / "ansible.log"
        env = clean_environment(**DB_SECRETS, ANSIBLE_LOG_PATH=str(log), ANSIBLE_VERBOSITY="2")
        with running_lab(spec):
            deployer = str(venv / "bin" / "deployer")
            done = subprocess.run(
                [deployer, "apply", str(spec), "--lab", "-y"],
                cwd=elsewhere,
                env=env,
                capture_output=True,
                text=True,
                timeout=1200,
                check=False,
            )
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        task_files = {
            line.split("task path: ", 1)[1].rsplit(":", 1)[0]
            for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
            if "task path: " in line
        }
        outside = sorted(f for f in task_files if not Path(f).is_relative_to(content))
        assert task_files and not outside, outside or "no task path in Ansible's log"
        roles = {
            Path(f).relative_to(content / "roles").parts[0]
            for f in task_files
            if Path(f).is_relative_to(content / "roles")
        }
        assert roles >= {"mysql", "jdk", "tomcat", "nginx", "product"}, roles
    finally:
        # The venv holds Ansible and every other dependency; pytest would keep it with its last
        # runs' tmp folders.
        shutil.rmtree(tmp_path / "venv", ignore_errors=True)
        shutil.rmtree(tmp_path / "source", ignore_errors=True)
