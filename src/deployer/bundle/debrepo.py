"""A flat Debian repository over a folder of .deb files: ``Packages`` (and ``.gz``),
``Release`` with their sha256, and ``InRelease``, the Release clear-signed with the bundle's
repository key. A host names it as ``deb [signed-by=KEY] file:/FOLDER ./``."""

from __future__ import annotations

import gzip
import hashlib
from datetime import datetime, timezone
from pathlib import Path

from deployer.bundle.repokey import RepoKey, clearsign
from deployer.bundle.tools import run_tool
from deployer.errors import BundleError

#: What Release says the repository is; a host can pin or match on it.
ORIGIN = "deployer-bundle"
INDEXES = ("Packages", "Packages.gz")


def write_flat_repo(folder: Path, key: RepoKey, label: str, when: datetime | None = None) -> None:
    """Index and sign the .deb files in ``folder``."""
    if not any(folder.glob("*.deb")):
        raise BundleError(f"{folder}: no .deb files to make a repository of")
    # --multiversion keeps every version of a package: a rollback may need the older one.
    packages = run_tool(["dpkg-scanpackages", "--multiversion", ".", "/dev/null"], cwd=folder)
    (folder / "Packages").write_bytes(packages)
    with gzip.GzipFile(folder / "Packages.gz", "wb", mtime=0) as out:
        out.write(packages)
    (folder / "Release").write_text(release_text(folder, label, when), encoding="utf-8")
    clearsign(key, folder / "Release", folder / "InRelease")


def release_text(folder: Path, label: str, when: datetime | None = None) -> str:
    moment = (when or datetime.now(timezone.utc)).strftime("%a, %d %b %Y %H:%M:%S UTC")
    lines = [f"Origin: {ORIGIN}", f"Label: {label}", f"Date: {moment}", "SHA256:"]
    for name in INDEXES:
        data = (folder / name).read_bytes()
        lines.append(f" {hashlib.sha256(data).hexdigest()} {len(data)} {name}")
    return "\n".join(lines) + "\n"
