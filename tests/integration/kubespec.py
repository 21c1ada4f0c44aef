"""The cluster example as the emulator tests use it, and deployer run in-process."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from deployer.cli.io import Streams
from deployer.cli.main import run
from deployer.lab.overlay import absolutise

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "huadong-kubernetes.yml"


def write_kubeconfig(path: Path, url: str) -> None:
    """A kubeconfig whose context huadong-prod (the example's) reaches the API at ``url``."""
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "emulator", "cluster": {"server": url}}],
        "users": [{"name": "tester", "user": {"token": "t"}}],
        "contexts": [
            {"name": "huadong-prod", "context": {"cluster": "emulator", "user": "tester"}}
        ],
        "current-context": "huadong-prod",
    }
    path.write_text(yaml.safe_dump(kubeconfig), encoding="utf-8")


def write_spec(folder: Path, url: str, change: Callable[[dict[str, Any]], None]) -> Path:
    """The cluster example without its database (the lab test runs its stages on a real
    host) and with a template of its own, reached through a kubeconfig that names the
    emulator, with ``change`` made."""
    write_kubeconfig(folder / "kubeconfig", url)
    (folder / "templates").mkdir(exist_ok=True)
    (folder / "templates" / "erp.properties.j2").write_text(
        "erp.company_name={{ company_name }}\nerp.db.pool_size={{ jdbc_pool_size }}\n"
        "erp.api_token={{ api_token }}\n",
        encoding="utf-8",
    )
    data = absolutise(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), EXAMPLE.parent)
    del data["database"]
    data["hosts"] = []
    data["target"]["kubeconfig"] = "kubeconfig"
    data["product"]["templates"] = "templates"
    data["product"]["config"]["api_token"] = "${env:K8S_TEST_TOKEN}"
    change(data)
    spec = folder / "env.yml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return spec


def deployer(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), Streams(out=out, err=err))
    return code, out.getvalue() + err.getvalue()
