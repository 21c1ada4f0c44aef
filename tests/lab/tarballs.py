"""Vendor-like tarballs of Tomcat and a JDK, built from Debian's own packages for lab tests.

Nothing is downloaded but Debian's packages (``apt-get download``, through the apt sources this
machine already uses). They are unpacked with ``dpkg-deb -x`` in a temporary folder and
re-arranged the way the vendors ship them: Tomcat as Apache's ``bin/ conf/ lib/`` (plus the
empty ``logs/ temp/ webapps/ work/``) under one top folder, the JDK as ``bin/java lib/ conf/``.
Debian's links (absolute ones into /etc, relative ones into /usr/share/java) are resolved
inside the unpacked tree, as a vendor tarball holds the files themselves; links that lead
nowhere there (the CA store of another package, the docs) are left out. The tarballs are
cached outside the repository for later runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

# tomcat10 holds the configuration (/usr/share/tomcat10/etc), tomcat10-common the scripts,
# libtomcat10-java the jars, libeclipse-jdt-core-java the JSP compiler.
TOMCAT_PACKAGES = ("tomcat10", "tomcat10-common", "libtomcat10-java", "libeclipse-jdt-core-java")
JDK_PACKAGES = ("openjdk-17-jre-headless",)
TOMCAT_NAME = "tomcat-10.1-debian.tar.gz"
JDK_NAME = "jdk-17-debian.tar.xz"


def lab_tarballs(cache: Path) -> tuple[Path, Path]:
    """(Tomcat tarball, JDK tarball) in ``cache``, each built there first if missing."""
    cache.mkdir(parents=True, exist_ok=True)
    tomcat, jdk = cache / TOMCAT_NAME, cache / JDK_NAME
    if not tomcat.is_file():
        with tempfile.TemporaryDirectory(prefix="deployer-tarballs-") as scratch:
            root = _unpacked(Path(scratch), TOMCAT_PACKAGES)
            _pack(_tomcat_tree(root, Path(scratch) / "apache-tomcat-10.1"), tomcat, "w:gz")
    if not jdk.is_file():
        with tempfile.TemporaryDirectory(prefix="deployer-tarballs-") as scratch:
            root = _unpacked(Path(scratch), JDK_PACKAGES)
            jvm = root / "usr/lib/jvm/java-17-openjdk-amd64"
            _pack(_copy_resolved(root, jvm, Path(scratch) / "jdk-17"), jdk, "w:xz")
    return tomcat, jdk


def _unpacked(scratch: Path, packages: tuple[str, ...]) -> Path:
    debs = scratch / "debs"
    debs.mkdir()
    subprocess.run(
        ["apt-get", "download", "-q", *packages], cwd=debs, check=True, capture_output=True
    )
    root = scratch / "root"
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root


def _tomcat_tree(root: Path, top: Path) -> Path:
    home = root / "usr/share/tomcat10"
    _copy_resolved(root, home / "bin", top / "bin")
    _copy_resolved(root, home / "etc", top / "conf")
    _copy_resolved(root, home / "lib", top / "lib")
    # Apache's tarball carries the JSP compiler in lib/; Debian's is a package of its own.
    shutil.copy2(root / "usr/share/java/eclipse-jdt-core.jar", top / "lib" / "ecj.jar")
    for name in ("logs", "temp", "webapps", "work"):
        (top / name).mkdir()
    return top


def _copy_resolved(root: Path, source: Path, target: Path) -> Path:
    """``source`` copied to ``target`` with every link replaced by what it points at in
    ``root``; links that lead outside what was unpacked are dropped."""
    for folder, _dirs, files in os.walk(source):
        here = Path(folder)
        (target / here.relative_to(source)).mkdir(parents=True, exist_ok=True)
        for name in files:
            real = _resolve(root, here / name)
            if real is not None and real.is_file():
                shutil.copy2(real, target / here.relative_to(source) / name)
    return target


def _resolve(root: Path, path: Path, depth: int = 0) -> Path | None:
    if depth > 20:
        return None
    if not path.is_symlink():
        return path if path.exists() else None
    link = Path(os.readlink(path))
    following = root / link.relative_to("/") if link.is_absolute() else path.parent / link
    return _resolve(root, Path(os.path.normpath(following)), depth + 1)


def _pack(tree: Path, tarball: Path, mode: str) -> None:
    partial = tarball.with_name(tarball.name + ".partial")
    with tarfile.open(partial, mode) as archive:  # type: ignore[call-overload]
        archive.add(tree, arcname=tree.name, filter=_owned_by_root)
    partial.replace(tarball)


def _owned_by_root(member: tarfile.TarInfo) -> tarfile.TarInfo:
    member.uid = member.gid = 0
    member.uname = member.gname = "root"
    return member
