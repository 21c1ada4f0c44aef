"""Headless Chromium for tests: render a local page to a PNG and to its DOM text."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

#: Flags for a sandboxed, offline, root-run browser: no background traffic of its own.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render(page: Path, screenshot: Path, width: int = 1200, height: int = 2400) -> str:
    """Screenshot ``page`` into ``screenshot`` and return the rendered DOM as text."""
    binary = chromium()
    assert binary is not None, "chromium is not installed"
    with tempfile.TemporaryDirectory(prefix="deployer-chromium-") as profile:
        common = [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"]
        subprocess.run(
            [*common, f"--screenshot={screenshot}", page.resolve().as_uri()],
            capture_output=True,
            timeout=120,
            check=True,
        )
        dom = subprocess.run(
            [*common, "--dump-dom", page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    return dom.stdout


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
