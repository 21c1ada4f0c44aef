"""Build hook: a built deployer carries its Ansible content (playbooks/, roles/).

The content stays at the top of the repository, where ansible-lint, the lab tests, the
Vagrantfile and the README find it. A wheel gets a copy of it under ``deployer/_content/``,
where ``deployer.executors.ansible.content.content_dir`` looks first. An editable install
gets no copy: it reads the source tree's own folders, so an edited role takes effect at once.
Everything else about the build is declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: The folders shipped, relative to this file and to ``deployer/_content/`` alike.
CONTENT = ("playbooks", "roles")


class BuildPyWithContent(build_py):
    """setuptools' build_py, plus the Ansible content copied into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        source = Path(__file__).resolve().parent
        target = Path(self.build_lib, "deployer", "_content")
        for name in CONTENT:
            # Left over from a local run (ansible-lint, a test importing a module); never
            # part of the content.
            ignored = shutil.ignore_patterns("__pycache__", "*.pyc")
            # A fresh copy, so that a file removed from a role is gone from the next build.
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(source / name, target / name, ignore=ignored)


setup(cmdclass={"build_py": BuildPyWithContent})
