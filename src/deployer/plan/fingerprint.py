"""Fingerprints that tell whether a saved plan still describes the world."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from deployer.facts.model import HostFacts


def files_fingerprint(paths: list[Path]) -> str:
    """sha256 over the files (and folders' files) in order, names included."""
    digest = hashlib.sha256()
    for path in paths:
        members = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for member in members:
            digest.update(str(member).encode() + b"\0")
            digest.update(hashlib.sha256(member.read_bytes()).digest() if member.exists() else b"-")
    return digest.hexdigest()


def facts_fingerprint(facts: Mapping[str, HostFacts]) -> str:
    """What the plan depends on: OS, kernel, installed middleware and listening ports —
    not free disk or memory, which move on their own."""
    stable = {}
    for host, found in sorted(facts.items()):
        stable[host] = {
            "os": found.os.model_dump(mode="json") if found.os else None,
            "kernel": found.kernel,
            "arch": found.arch,
            "jdks": [j.model_dump(mode="json") for j in found.jdks or ()],
            "tomcats": [t.model_dump(mode="json") for t in found.tomcats or ()],
            "nginx": [n.model_dump(mode="json") for n in found.nginx or ()],
            "mysql": [m.model_dump(mode="json") for m in found.mysql_servers or ()],
            "ports": sorted({listener.port for listener in found.listening or ()}),
        }
    text = json.dumps(stable, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
