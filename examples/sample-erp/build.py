#!/usr/bin/env python3
"""Build the sample product's WARs, byte-identical on every run, with the standard library only.

    python examples/sample-erp/build.py            # write dist/sample-erp-<version>.war
    python examples/sample-erp/build.py --check    # exit 1 if the committed WARs are stale

A WAR is a zip of the webapp folder (src/ here) plus WEB-INF/version.properties, which this
script writes for each version. Entries are sorted, stored uncompressed (deflate output may
change with the zlib build, stored bytes never do), with one fixed timestamp and fixed modes,
so the same sources always give the same bytes.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
DIST = HERE / "dist"
PRODUCT = "sample-erp"
#: Product version -> the schema version (last migration V<n>) that the release expects.
VERSIONS: dict[str, int] = {"1.0": 1, "1.1": 2}
VERSION_FILE = "WEB-INF/version.properties"
MANIFEST = "META-INF/MANIFEST.MF"
FIXED_TIME = (2026, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
DIR_MODE = 0o040755


def war_name(version: str) -> str:
    return f"{PRODUCT}-{version}.war"


def version_properties(version: str) -> bytes:
    return (
        f"# Written by build.py; read by the pages at run time.\n"
        f"product={PRODUCT}\nversion={version}\nschema={VERSIONS[version]}\n"
    ).encode()


def manifest() -> bytes:
    return b"Manifest-Version: 1.0\r\nCreated-By: sample-erp build.py\r\n\r\n"


def source_files(root: Path = SOURCES) -> Iterator[tuple[str, bytes]]:
    """(name in the WAR, content) for every source file; editor and hidden files are skipped."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_dir() or any(part.startswith(".") for part in relative.parts):
            continue
        if path.name.endswith("~"):
            continue
        yield relative.as_posix(), path.read_bytes()


def war_entries(version: str, root: Path = SOURCES) -> dict[str, bytes]:
    """Every file of the WAR for one version, by name."""
    if version not in VERSIONS:
        raise SystemExit(f"unknown version {version!r}; known: {', '.join(VERSIONS)}")
    entries = dict(source_files(root))
    for generated in (VERSION_FILE, MANIFEST):
        if generated in entries:
            raise SystemExit(f"{root / generated}: written by build.py, remove it from src/")
    entries[VERSION_FILE] = version_properties(version)
    entries[MANIFEST] = manifest()
    return entries


def _directories(names: list[str]) -> set[str]:
    found: set[str] = set()
    for name in names:
        parts = name.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            found.add("/".join(parts[:depth]) + "/")
    return found


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.create_system = 3  # Unix, so that the modes below are honoured when unpacked
    info.external_attr = (DIR_MODE if name.endswith("/") else FILE_MODE) << 16
    info.compress_type = zipfile.ZIP_STORED
    return info


def build_war(version: str, root: Path = SOURCES) -> bytes:
    """The WAR's bytes: META-INF first (as jar tools do), then everything else sorted."""
    entries = war_entries(version, root)
    names = sorted(set(entries) | _directories(list(entries)))
    names.sort(key=lambda name: (not name.startswith("META-INF/"), name))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as war:
        for name in names:
            war.writestr(_info(name), entries.get(name, b""))
    return buffer.getvalue()


def check(dist: Path) -> list[str]:
    """Problems with the committed WARs: missing, stale or unexpected files."""
    problems: list[str] = []
    for version in VERSIONS:
        path = dist / war_name(version)
        if not path.is_file():
            problems.append(f"{path}: missing; run build.py")
        elif path.read_bytes() != build_war(version):
            problems.append(f"{path}: differs from a fresh build of src/; run build.py")
    expected = {war_name(version) for version in VERSIONS}
    for path in sorted(dist.glob("*.war")):
        if path.name not in expected:
            problems.append(f"{path}: no such version in build.py")
    return problems


def write(dist: Path) -> list[Path]:
    dist.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for version in VERSIONS:
        path = dist / war_name(version)
        path.write_bytes(build_war(version))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="rebuild in memory; exit 1 if dist/ is stale"
    )
    parser.add_argument("--dist", type=Path, default=DIST, help="output folder (default: dist/)")
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.dist)
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print(f"{args.dist}: {len(VERSIONS)} WARs match the sources")
        return 1 if problems else 0
    for path in write(args.dist):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
