"""Manifests checked against the Kubernetes API's own schemas, strictly (an unknown field is
an error, as the API server's strict field validation makes it), for a given version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import kubernetes_validate
from kubernetes_validate.utils import all_versions, latest_version

from deployer.errors import DeployerError, ExitCode


class ManifestInvalid(DeployerError):
    exit_code = ExitCode.INVALID_SPEC


def known_versions() -> list[str]:
    """The Kubernetes versions whose schemas are at hand, as '1.24', oldest first."""
    found = {".".join(version.split(".")[:2]) for version in all_versions()}
    return sorted(found, key=lambda version: tuple(int(part) for part in version.split(".")))


def newest_version() -> str:
    return ".".join(latest_version().split(".")[:2])


def validate(objects: Mapping[str, Mapping[str, Any]], version: str) -> None:
    """Raise ManifestInvalid naming the file and the field of the first problem."""
    known = known_versions()
    if version not in known:
        raise ManifestInvalid(f"no schemas for Kubernetes {version}; known: {', '.join(known)}")
    for name, manifest in objects.items():
        try:
            kubernetes_validate.validate(dict(manifest), f"{version}.0", strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(part) for part in exc.path) or "(top)"
            raise ManifestInvalid(
                f"{name}.yaml: {where}: {exc.message} (Kubernetes {version} schema)"
            ) from None
