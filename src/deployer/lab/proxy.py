"""The lab's package proxy: Debian's apt-cacher-ng, started by PID on the bridge address.

Its cache lives under the lab cache dir, so packages fetched once are reused by every
later lab and CI run. ``ForceManaged`` limits it to the machine's own Debian mirror: a
lab host cannot use it to reach anything else.
"""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

from deployer.errors import LabError
from deployer.lab import processes
from deployer.lab.mirror import Mirror, proxied_uri
from deployer.lab.processes import ProcessRecord

PORT = 3142
SUPPORT_DIR = Path("/usr/lib/apt-cacher-ng")


def config_text(
    mirror: Mirror, gateway: str, cache_dir: Path, log_dir: Path, socket_path: Path
) -> str:
    """acng.conf for one lab: listen on the bridge only, serve only the mirror."""
    lines = [
        "# Written by deployer lab.",
        f"CacheDir: {cache_dir}",
        f"LogDir: {log_dir}",
        f"SupportDir: {SUPPORT_DIR}",
        f"SocketPath: {socket_path}",
        f"BindAddress: {gateway}",
        f"Port: {PORT}",
        "ForeGround: 1",
        "ForceManaged: 1",
        "ExThreshold: 4",
        "ReportPage:",
    ]
    for index, uri in enumerate(mirror.uris):
        request = proxied_uri(uri).removeprefix("http://")
        lines.append(f"Remap-deployerlab{index}: {request} ; {uri.rstrip('/')}/")
    return "\n".join(lines) + "\n"


def start(
    mirror: Mirror, gateway: str, config_dir: Path, cache_dir: Path, socket_path: Path
) -> ProcessRecord:
    if shutil.which("apt-cacher-ng") is None:
        raise LabError("apt-cacher-ng is not installed; run scripts/setup.sh (or apt-get install)")
    config_dir.mkdir(parents=True, exist_ok=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    config = config_text(mirror, gateway, cache_dir, config_dir, socket_path)
    (config_dir / "acng.conf").write_text(config, encoding="utf-8")
    return processes.start(argv(config_dir), config_dir / "output.log")


def argv(config_dir: Path) -> list[str]:
    return ["apt-cacher-ng", "-c", str(config_dir)]


def wait_ready(record: ProcessRecord, gateway: str, log_file: Path, timeout: float) -> None:
    """Until the proxy accepts connections on the bridge address."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not record.alive():
            raise LabError(f"the package proxy exited at start; see {log_file}")
        try:
            with socket.create_connection((gateway, PORT), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise LabError(f"the package proxy did not listen on {gateway}:{PORT} in {timeout:.0f} s")
