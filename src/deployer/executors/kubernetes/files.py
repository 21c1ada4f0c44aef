"""Manifests as the files a customer keeps, reviews and applies with ``kubectl apply -k``."""

from __future__ import annotations

from typing import Any

import yaml

from deployer.executors.kubernetes.manifests import Manifests


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # A config file reads as itself (a block), not as one line of escapes.
    style = "|" if "\n" in value and not value.endswith((" ", "\t")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump(manifest: dict[str, Any]) -> str:
    return yaml.dump(manifest, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def manifest_files(manifests: Manifests) -> dict[str, str]:
    """File name -> text: one file per object, and kustomization.yaml, which says which
    Secret the pods read and how to create it without deployer."""
    files = {f"{name}.yaml": dump(manifest) for name, manifest in manifests.objects.items()}
    header = [
        "# Written by deployer from the environment spec; `kubectl apply -k .` applies it.",
    ]
    if manifests.secret_keys:
        literals = " ".join(f"--from-literal={key}=..." for key in manifests.secret_keys)
        header += [
            f"# The pods read the Secret {manifests.secret_name} (keys: "
            f"{', '.join(manifests.secret_keys)}), which is not written here.",
            "# deployer apply creates it; without deployer, create it first:",
            f"#   kubectl -n {manifests.kustomization['namespace']} create secret generic "
            f"{manifests.secret_name} {literals}",
        ]
    files["kustomization.yaml"] = "\n".join(header) + "\n" + dump(manifests.kustomization)
    return files
