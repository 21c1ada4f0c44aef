"""Read ``vagrant ssh-config`` output (and known_hosts files) into host access."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from deployer.errors import LabError


@dataclass(frozen=True)
class VagrantHost:
    name: str
    hostname: str = ""
    port: int = 22
    user: str = ""
    identity_files: tuple[str, ...] = ()
    options: dict[str, str] = field(default_factory=dict)


def _split(line: str, source: str, number: int) -> tuple[str, str]:
    """``Key value``, ``Key=value`` or ``Key "quoted value"`` -> (lower-case key, value)."""
    text = line.strip()
    key, sep, rest = text.partition("=") if "=" in text.split(None, 1)[0] else ("", "", "")
    if not sep:
        parts = text.split(None, 1)
        key, rest = parts[0], parts[1] if len(parts) > 1 else ""
        rest = rest.lstrip().removeprefix("=")
    try:
        words = shlex.split(rest, comments=False, posix=True)
    except ValueError as exc:
        raise LabError(f"{source}:{number}: cannot read {key}: {exc}") from None
    if not words:
        raise LabError(f"{source}:{number}: {key} has no value")
    return key.strip().lower(), " ".join(words)


def parse_ssh_config(text: str, source: str = "vagrant ssh-config") -> dict[str, VagrantHost]:
    """Hosts of a ``vagrant ssh-config`` output, by name, in the order given."""
    found: dict[str, VagrantHost] = {}
    current: dict[str, object] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, value = _split(line, source, number)
        if key == "host":
            if current is not None:
                _finish(current, found, source)
            current = {"name": value, "line": number, "identity_files": [], "options": {}}
            continue
        if current is None:
            raise LabError(f"{source}:{number}: '{key}' comes before any 'Host' line")
        _apply(current, key, value, source, number)
    if current is not None:
        _finish(current, found, source)
    if not found:
        raise LabError(f"{source}: no 'Host' entries; is this 'vagrant ssh-config' output?")
    return found


def _apply(current: dict[str, object], key: str, value: str, source: str, number: int) -> None:
    if key == "hostname":
        current["hostname"] = value
    elif key == "port":
        if not value.isdigit() or not 0 < int(value) < 65536:
            raise LabError(f"{source}:{number}: Port {value!r} is not a port number")
        current["port"] = int(value)
    elif key == "user":
        current["user"] = value
    elif key == "identityfile":
        files = current["identity_files"]
        assert isinstance(files, list)
        files.append(value)
    else:
        options = current["options"]
        assert isinstance(options, dict)
        options[key] = value


def _finish(current: dict[str, object], found: dict[str, VagrantHost], source: str) -> None:
    name = str(current["name"])
    if not current.get("hostname"):
        raise LabError(f"{source}:{current['line']}: host {name} has no HostName")
    files = current["identity_files"]
    options = current["options"]
    assert isinstance(files, list) and isinstance(options, dict)
    port = current.get("port", 22)
    found[name] = VagrantHost(
        name=name,
        hostname=str(current["hostname"]),
        port=port if isinstance(port, int) else 22,
        user=str(current.get("user") or "vagrant"),
        identity_files=tuple(files),
        options=options,
    )


def parse_known_hosts(text: str) -> dict[tuple[str, int], str]:
    """(address, port) -> "type base64" from a known_hosts file (hashed entries skipped)."""
    keys: dict[tuple[str, int], str] = {}
    for raw in text.splitlines():
        words = raw.split()
        if len(words) < 3 or raw.startswith(("#", "|", "@")):
            continue
        for pattern in words[0].split(","):
            host, port = pattern, 22
            if pattern.startswith("[") and "]:" in pattern:
                host, _, port_text = pattern[1:].partition("]:")
                port = int(port_text) if port_text.isdigit() else 22
            keys.setdefault((host, port), f"{words[1]} {words[2]}")
    return keys
