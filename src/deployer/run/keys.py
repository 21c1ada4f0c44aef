"""``keys install``: the engineer's public key in each host's ``authorized_keys``, logging in
the way the spec says (a password, once), so that the spec can switch the hosts to key auth.

The host adds the key line only when no line holds the same key already (its base64, whatever
the comment or options), creating ``~/.ssh`` (0700) and ``authorized_keys`` (0600) as sshd
requires. Nothing runs as root. The host keys printed with the spec change are the ones the
connection was checked against: pinned in the spec, or the user's known_hosts entry.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from deployer.errors import DeployerError, ExitCode, UsageError
from deployer.spec import LoadedEnvironment
from deployer.transport.hosts import Hosts
from deployer.transport.knownhosts import known_host_keys

#: ssh-keygen's default names, in the order ssh itself tries them.
DEFAULT_KEYS = ("id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub")
_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384")

INSTALL_SCRIPT = """\
blob=$(printf '%s\\n' "$key_line" | awk '{print $2}')
umask 077
mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh" || exit 1
file="$HOME/.ssh/authorized_keys"
[ -e "$file" ] || : > "$file" || exit 1
chmod 600 "$file" || exit 1
if awk -v blob="$blob" '$0 !~ /^[ \\t]*#/ { for (i = 1; i <= NF; i++) if ($i == blob) found = 1 }
    END { exit !found }' "$file"; then
  echo present
else
  printf '%s\\n' "$key_line" >> "$file" && echo added
fi
command -v restorecon >/dev/null 2>&1 && restorecon -R "$HOME/.ssh" >/dev/null 2>&1
exit 0
"""


class KeysFailed(DeployerError):
    exit_code = ExitCode.HOST_UNREACHABLE


@dataclass(frozen=True)
class PublicKey:
    path: Path
    line: str  # "ssh-ed25519 AAAA... comment"

    @property
    def private(self) -> Path:
        """The private key beside it, as the spec's ``key_file`` names it."""
        return self.path.with_suffix("") if self.path.suffix == ".pub" else self.path


def read_public_key(path: Path | None, home: Path) -> PublicKey:
    """The key to install: ``path``, else the first of ssh's default keys in ~/.ssh."""
    candidates = [path] if path is not None else [home / ".ssh" / name for name in DEFAULT_KEYS]
    for candidate in candidates:
        if candidate.is_file():
            line = candidate.read_text(encoding="utf-8").strip()
            words = line.split()
            if len(words) < 2 or words[0] not in _KEY_TYPES or "\n" in line:
                raise UsageError(f"{candidate} is not one OpenSSH public key line")
            return PublicKey(candidate, line)
    if path is not None:
        raise UsageError(f"public key not found: {path}")
    raise UsageError(
        "no public key in ~/.ssh (id_ed25519.pub, id_ecdsa.pub, id_rsa.pub): make one with "
        "ssh-keygen -t ed25519, or pass --key FILE.pub"
    )


def install_key(hosts: Hosts, key: PublicKey) -> dict[str, str]:
    """``added`` or ``present`` per host; a host that fails stops nothing else, and a
    KeysFailed names every host that failed."""
    script = f"key_line={shlex.quote(key.line)}\n{INSTALL_SCRIPT}"
    results = hosts.run_everywhere(None, "sh -s", stdin=script.encode(), shown="install key")
    outcomes = {name: result.stdout.strip() for name, result in results.items() if result.ok}
    failed = [result.describe() for result in results.values() if not result.ok]
    if failed:
        raise KeysFailed("; ".join(failed))
    return outcomes


def spec_change(loaded: LoadedEnvironment, key: PublicKey, host_keys: dict[str, str]) -> str:
    """The lines to put in the spec so that its hosts log in with ``key``."""
    lines = ["hosts:"]
    for host in loaded.env.hosts:
        lines.append(f"  - name: {host.name}")
        lines.append(f"    auth: {{type: key, key_file: {shlex.quote(str(key.private))}}}")
        pinned = host.host_key or host_keys.get(host.name)
        if pinned:
            lines.append(f"    host_key: {pinned}")
    return "\n".join(lines) + "\n"


def known_host_key(address: str, port: int, known_hosts: Path) -> str | None:
    """The key ``known_hosts`` holds for the host (``type base64``), ed25519 first."""
    keys = sorted(
        known_host_keys(address, port, known_hosts),
        key=lambda key: not key.startswith("ssh-ed25519"),
    )
    return keys[0] if keys else None
