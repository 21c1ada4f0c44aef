"""Where a lab keeps its files, and the names of the kernel objects it creates.

Every name carries the project prefix ``dpl`` and a short id derived from the spec's
absolute path, so two labs (two specs) never collide and ``down`` can find its own
objects even when its state file was lost.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PREFIX = "dpl"
#: Linux limits interface names to 15 characters (IFNAMSIZ - 1).
IFNAME_MAX = 15
_MACHINE_BAD = re.compile(r"[^a-z0-9-]")


def cache_dir_from(environ: Mapping[str, str], home: Path) -> Path:
    """``$XDG_CACHE_HOME/deployer/lab``, else ``~/.cache/deployer/lab``."""
    base = environ.get("XDG_CACHE_HOME") or str(home / ".cache")
    return Path(base) / "deployer" / "lab"


def state_dir_for(spec: Path) -> Path:
    """``<spec dir>/.deployer/lab/<spec file stem>/`` (ignored by git)."""
    spec = spec.resolve()
    return spec.parent / ".deployer" / "lab" / spec.stem


#: Host root filesystems (overlay upper/work dirs and mount points) live outside the
#: spec's folder, so no tool walking a source tree ever descends into a mounted host.
RUNTIME_ROOT = Path("/var/lib/deployer-lab")


SOCKET_DIR = Path("/run/deployer-lab")


def runtime_dir_for(lab_id: str) -> Path:
    return RUNTIME_ROOT / lab_id


def proxy_socket_for(lab_id: str) -> Path:
    """The proxy's admin socket (kept short: unix socket paths max out at 107 bytes)."""
    return SOCKET_DIR / f"{lab_id}.sock"


def lab_id_for(spec: Path) -> str:
    """Five hex digits naming this spec's lab in interface and namespace names."""
    return hashlib.sha256(str(spec.resolve()).encode()).hexdigest()[:5]


@dataclass(frozen=True)
class LabNames:
    """Names of the kernel objects of one lab."""

    lab_id: str

    @property
    def bridge(self) -> str:
        return f"{PREFIX}-{self.lab_id}-br"

    @property
    def nft_table(self) -> str:
        return f"{PREFIX}_{self.lab_id}"

    @property
    def link_prefix(self) -> str:
        """Every veth of this lab starts with this."""
        return f"{PREFIX}{self.lab_id}"

    def veth(self, index: int) -> str:
        """Root-namespace end of host ``index``'s veth pair."""
        return f"{self.link_prefix}v{index}"

    def veth_peer(self, index: int) -> str:
        """Host end, before it moves into the namespace and becomes ``eth0``."""
        return f"{self.link_prefix}p{index}"

    def netns(self, host: str) -> str:
        return f"{PREFIX}-{self.lab_id}-{host}"

    def machine(self, host: str) -> str:
        """nspawn machine name: letters, digits and '-' only, at most 64 characters."""
        return _MACHINE_BAD.sub("-", f"{PREFIX}-{self.lab_id}-{host}")[:64]

    @property
    def netns_prefix(self) -> str:
        return f"{PREFIX}-{self.lab_id}-"


def check_ifname(name: str) -> str:
    if len(name) > IFNAME_MAX:
        raise ValueError(f"interface name {name!r} is longer than {IFNAME_MAX} characters")
    return name
