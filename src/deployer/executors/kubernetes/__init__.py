"""Kubernetes: the product's objects rendered from the spec and validated against the
cluster's API version."""

from deployer.executors.kubernetes.manifests import Manifests, render_manifests
from deployer.executors.kubernetes.validation import (
    ManifestInvalid,
    known_versions,
    newest_version,
    validate,
)

__all__ = [
    "ManifestInvalid",
    "Manifests",
    "known_versions",
    "newest_version",
    "render_manifests",
    "validate",
]
