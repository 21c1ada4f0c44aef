"""The Debian mirror apt on this machine already uses, read from its sources files.

The lab never hard-codes a mirror: the base root filesystem is bootstrapped from the
machine's own archive, and lab hosts reach the same archive through the lab's proxy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from deployer.errors import LabError

DEB822_FILE = Path("/etc/apt/sources.list.d/debian.sources")
ONE_LINE_FILE = Path("/etc/apt/sources.list")


@dataclass(frozen=True)
class AptSource:
    """One ``deb`` entry: where, which suites, which components."""

    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]


@dataclass(frozen=True)
class Mirror:
    """The machine's Debian archive and, if configured, its security archive."""

    archive: str
    security: str | None
    components: tuple[str, ...]

    @property
    def uris(self) -> tuple[str, ...]:
        return (self.archive,) if self.security is None else (self.archive, self.security)


def parse_deb822(text: str) -> list[AptSource]:
    """Parse a deb822 ``.sources`` file; disabled and non-``deb`` stanzas are skipped."""
    found: list[AptSource] = []
    for stanza in _stanzas(text):
        types = stanza.get("types", "").split()
        if "deb" not in types or stanza.get("enabled", "yes").lower() == "no":
            continue
        suites = tuple(stanza.get("suites", "").split())
        components = tuple(stanza.get("components", "").split())
        for uri in stanza.get("uris", "").split():
            found.append(AptSource(uri.rstrip("/"), suites, components))
    return found


def _stanzas(text: str) -> Iterator[dict[str, str]]:
    current: dict[str, str] = {}
    last_key = ""
    for raw in text.splitlines():
        if raw.startswith("#"):
            continue
        if not raw.strip():
            if current:
                yield current
            current, last_key = {}, ""
        elif raw[0] in " \t" and last_key:
            current[last_key] += " " + raw.strip()
        elif ":" in raw:
            key, _, value = raw.partition(":")
            last_key = key.strip().lower()
            current[last_key] = value.strip()
    if current:
        yield current


def parse_one_line(text: str) -> list[AptSource]:
    """Parse the classic ``deb [options] URI suite component...`` format."""
    found: list[AptSource] = []
    for raw in text.splitlines():
        words = raw.split("#", 1)[0].split()
        if not words or words[0] != "deb":
            continue
        words = words[1:]
        if words and words[0].startswith("["):
            while words and not words[0].endswith("]"):
                words = words[1:]
            words = words[1:]
        if len(words) >= 2:
            found.append(AptSource(words[0].rstrip("/"), (words[1],), tuple(words[2:])))
    return found


def choose_mirror(sources: Iterable[AptSource]) -> Mirror:
    """The first archive that carries a release suite, and the first security archive."""
    sources = list(sources)
    archive = next((s for s in sources if any(_is_release(x) for x in s.suites)), None)
    if archive is None:
        raise LabError("apt on this machine has no Debian release suite configured")
    security = next(
        (s.uri for s in sources if any(x.endswith("-security") for x in s.suites)), None
    )
    components = archive.components or ("main",)
    return Mirror(archive.uri, security, components)


def _is_release(suite: str) -> bool:
    """``bookworm`` or ``stable``, not ``bookworm-updates`` or ``bookworm-security``."""
    return "-" not in suite and "/" not in suite


def machine_mirror(deb822: Path = DEB822_FILE, one_line: Path = ONE_LINE_FILE) -> Mirror:
    """Read the machine's apt configuration (deb822 first, then sources.list)."""
    sources: list[AptSource] = []
    if deb822.is_file():
        sources += parse_deb822(deb822.read_text(encoding="utf-8"))
    if one_line.is_file():
        sources += parse_one_line(one_line.read_text(encoding="utf-8"))
    if not sources:
        raise LabError(
            f"cannot find the Debian mirror apt uses: no 'deb' entry in {deb822} or {one_line}"
        )
    return choose_mirror(sources)


def proxied_uri(uri: str) -> str:
    """The URI lab hosts ask the proxy for: always plain http, so the proxy sees the
    request (it fetches from the real, possibly https, URI itself)."""
    parts = urlsplit(uri)
    return f"http://{parts.netloc}{parts.path}".rstrip("/")


def host_sources(mirror: Mirror, suite: str) -> str:
    """The deb822 sources file written into every lab host."""
    components = " ".join(mirror.components)
    text = (
        "# Written by deployer lab: the machine's Debian mirror, reached through the lab proxy.\n"
        f"Types: deb\nURIs: {proxied_uri(mirror.archive)}\n"
        f"Suites: {suite} {suite}-updates\nComponents: {components}\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    )
    if mirror.security:
        text += (
            f"\nTypes: deb\nURIs: {proxied_uri(mirror.security)}\n"
            f"Suites: {suite}-security\nComponents: {components}\n"
            "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
        )
    return text
