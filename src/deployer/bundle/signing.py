"""The engineer's signature over a bundle's manifest: ``ssh-keygen -Y``, so the key that
signs is the SSH key the engineer already has, and sites trust it through an
allowed-signers file (``ssh-keygen``'s own format: ``PRINCIPAL KEYTYPE KEY``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from deployer.bundle.tools import run_tool
from deployer.errors import BundleError

#: ssh-keygen's signature namespace: a signature made for bundles is no signature for
#: anything else (a git commit, a file), and the other way round.
NAMESPACE = "deployer-bundle"


def sign(manifest: Path, key: Path) -> Path:
    """Sign ``manifest`` with the private key ``key`` (or its ``.pub``, the private half
    held by ssh-agent); writes and returns ``manifest.sig``."""
    signature = manifest.with_name(manifest.name + ".sig")
    signature.unlink(missing_ok=True)
    run_tool(["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(manifest)])
    if not signature.is_file():
        raise BundleError(f"ssh-keygen did not write {signature}")
    return signature


def verify(manifest: bytes, signature: bytes, allowed_signers: Path, where: str) -> str:
    """Check the signature against the allowed signers; the principal who signed.

    The signature file is written to a private scratch folder: ssh-keygen reads it from a
    path, and the bundle is not unpacked yet.
    """
    if not allowed_signers.is_file():
        raise BundleError(f"{allowed_signers}: no such allowed-signers file")
    with tempfile.TemporaryDirectory(prefix="deployer-sig-") as scratch:
        sig_path = Path(scratch) / "MANIFEST.json.sig"
        sig_path.write_bytes(signature)
        principals = _principals(sig_path, allowed_signers, where)
        for principal in principals:
            argv = ["ssh-keygen", "-Y", "verify", "-f", str(allowed_signers), "-I", principal]
            argv += ["-n", NAMESPACE, "-s", str(sig_path)]
            try:
                run_tool(argv, input_bytes=manifest)
            except BundleError:
                continue
            return principal
    raise BundleError(f"{where}: the manifest's signature does not verify (edited after signing)")


def _principals(signature: Path, allowed_signers: Path, where: str) -> list[str]:
    argv = ["ssh-keygen", "-Y", "find-principals", "-s", str(signature), "-f", str(allowed_signers)]
    try:
        found = run_tool(argv).decode("utf-8", "replace").split()
    except BundleError as exc:
        raise BundleError(f"{where}: signed by a key that is not in {allowed_signers}") from exc
    return found
