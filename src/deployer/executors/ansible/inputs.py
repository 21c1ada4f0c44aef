"""The digest of everything a play's outcome on one host depends on: the play and the roles
it runs (with the common role), the variables those roles read (each role reads its own
``<role>_`` settings and deployer's ``deployer_`` ones), the host's own values, the files on
this machine the variables name (the product's artifact and templates), the secrets, and
deployer's version. Equal digests and a host without drift mean the play would change
nothing there, so a no-op apply skips it.

Values that differ from run to run without changing the outcome (the run's id, where this
run's SSH connections live) are left out. Secrets enter through a slow salted derivation, so
that the digest kept on the host and in the journal tells nothing of them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import deployer
from deployer.executors.base import Play
from deployer.spec.sources import sha256_of

#: The roles each play runs (the common role comes with every one of them).
PLAY_ROLES = {
    Play.DATABASE_SERVER: ("mysql",),
    Play.MIDDLEWARE: ("jdk", "tomcat", "nginx"),
    Play.RELEASE: ("product",),
}
#: Values that change with every run, or only say how this machine reaches the host.
VOLATILE = {"deployer_run_id", "product_run_id", "ansible_ssh_common_args"}
#: Host values that shape the outcome besides the roles' own settings.
HOST_VALUES = ("ansible_python_interpreter", "ansible_become", "ansible_become_method")
#: Variables naming files on this machine whose content the roles send.
LOCAL_FILES = ("product_artifact", "product_templates_dir")
_SECRET_SALT = b"deployer play inputs"
_SECRET_ROUNDS = 200_000


def play_digest(
    play: Play,
    *,
    content: str,
    variables: Mapping[str, Any],
    host_values: Mapping[str, Any],
    secrets: str,
    files: Mapping[str, str],
) -> str:
    """The inputs digest of ``play`` on one host; ``content``, ``secrets`` and ``files`` are
    those of ``content_digest``, ``secrets_digest`` and ``local_files``, made once per run."""
    prefixes = (*(f"{role}_" for role in PLAY_ROLES.get(play, ())), "deployer_")
    chosen = {
        "play": play.value,
        "deployer": deployer.__version__,
        "content": content,
        "secrets": secrets,
        "variables": _chosen(variables, prefixes),
        "host": {
            **_chosen(host_values, prefixes),
            **{name: host_values[name] for name in HOST_VALUES if name in host_values},
        },
        "files": {name: found for name, found in files.items() if name.startswith(prefixes)},
    }
    text = json.dumps(chosen, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _chosen(values: Mapping[str, Any], prefixes: tuple[str, ...]) -> dict[str, Any]:
    return {
        name: value
        for name, value in values.items()
        if name.startswith(prefixes) and name not in VOLATILE
    }


def local_files(variables: Mapping[str, Any]) -> dict[str, str]:
    """The digests of the files on this machine the variables name."""
    return {
        name: tree_digest(Path(str(variables[name]))) for name in LOCAL_FILES if variables.get(name)
    }


def content_digest(root: Path, play: Play, playbook: str) -> str:
    """The playbook's file and the trees of the roles it runs, common included."""
    roles = ("common", *PLAY_ROLES.get(play, ()))
    paths = [root / "playbooks" / playbook, *(root / "roles" / role for role in roles)]
    return hashlib.sha256(
        "\n".join(tree_digest(path) for path in paths).encode("ascii")
    ).hexdigest()


def tree_digest(path: Path) -> str:
    """A file's sha256, or a folder's: of each file's relative path and sha256. A path that
    does not exist digests as such (the run fails on it anyway)."""
    folder = path.resolve()
    if not folder.exists():
        return "missing"
    if not folder.is_dir():
        return sha256_of(folder)
    lines = (
        f"{item.relative_to(folder).as_posix()} {sha256_of(item)}"
        for item in sorted(folder.rglob("*"))
        if item.is_file() and "__pycache__" not in item.parts
    )
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()


def secrets_digest(values: Iterable[tuple[str, str]]) -> str:
    """The secrets the plays read, through PBKDF2: a password change makes every play run."""
    text = json.dumps(sorted(values), ensure_ascii=False).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", text, _SECRET_SALT, _SECRET_ROUNDS).hex()
