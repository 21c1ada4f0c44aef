"""The key a bundle's package repositories are signed with: RSA, because EL7's gpg (and
rpm's) cannot check ECC signatures, kept in a GnuPG home of its own so the engineer's
personal keyring is never touched.

The key is made once per engineer and machine; hosts trust it only through the bundle,
whose manifest the engineer signs with their SSH key.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from deployer.bundle.tools import run_tool
from deployer.errors import BundleError

KEY_SPEC = "rsa3072"
PUBLIC_KEY = "repo-key.gpg"


@dataclass(frozen=True)
class RepoKey:
    home: Path  # GNUPGHOME
    fingerprint: str

    def gpg(self, *args: str) -> list[str]:
        return ["gpg", "--homedir", str(self.home), "--batch", "--no-tty", *args]


def default_home(environ: dict[str, str], home: Path) -> Path:
    """``$XDG_CONFIG_HOME/deployer/bundle-gnupg``, else ``~/.config/deployer/bundle-gnupg``."""
    base = environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    return Path(base) / "deployer" / "bundle-gnupg"


@contextlib.contextmanager
def repo_key(gnupg_home: Path) -> Iterator[RepoKey]:
    """The signing key in ``gnupg_home``, made there if it has none; gpg's agent, which gpg
    starts for secret-key work, is stopped again on the way out."""
    gnupg_home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(gnupg_home, 0o700)  # gpg refuses a home others can read
    try:
        fingerprint = _existing(gnupg_home) or _generate(gnupg_home)
        yield RepoKey(gnupg_home, fingerprint)
    finally:
        with contextlib.suppress(BundleError):
            run_tool(["gpgconf", "--homedir", str(gnupg_home), "--kill", "gpg-agent"])


def _existing(home: Path) -> str | None:
    listed = run_tool(
        ["gpg", "--homedir", str(home), "--batch", "--with-colons", "--list-secret-keys"]
    )
    for line in listed.decode().splitlines():
        fields = line.split(":")
        if fields[0] == "fpr":
            return fields[9]
    return None


def _generate(home: Path) -> str:
    user = f"deployer bundles <{os.environ.get('USER', 'engineer')}@{socket.gethostname()}>"
    argv = ["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback"]
    argv += ["--passphrase", "", "--quick-generate-key", user, KEY_SPEC, "sign", "never"]
    run_tool(argv)
    found = _existing(home)
    if found is None:
        raise BundleError(f"gpg made no key in {home}")
    return found


def export_public(key: RepoKey, target: Path) -> Path:
    """The public key as a binary keyring file: what apt's signed-by and rpm --import read."""
    target.write_bytes(run_tool(key.gpg("--export", key.fingerprint)))
    return target


def clearsign(key: RepoKey, text: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    argv = key.gpg("--pinentry-mode", "loopback", "--passphrase", "", "--local-user")
    run_tool(
        [
            *argv,
            key.fingerprint,
            "--digest-algo",
            "SHA256",
            "--clearsign",
            "-o",
            str(target),
            str(text),
        ]
    )
