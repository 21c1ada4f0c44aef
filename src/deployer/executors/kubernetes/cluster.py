"""The cluster's API, through the kubernetes client: read, apply (server-side, field manager
``deployer``), the cluster's version, and the events that say why pods did not start.

Requests go out as JSON and come back as plain dicts: the manifests are dicts already, and
the journal records dicts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client as kube_client
from kubernetes import config as kube_config
from kubernetes.config.config_exception import ConfigException

from deployer.errors import DeployerError, ExitCode

FIELD_MANAGER = "deployer"
#: kind -> the resource's plural in the API's paths: the kinds deployer applies.
PLURALS = {
    "ConfigMap": "configmaps",
    "Secret": "secrets",
    "Service": "services",
    "Deployment": "deployments",
    "Ingress": "ingresses",
    "PodDisruptionBudget": "poddisruptionbudgets",
    "Lease": "leases",
}
TIMEOUT = 30.0
ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
APPLY_PATCH = "application/apply-patch+yaml"
MERGE_PATCH = "application/merge-patch+json"


def _reason(exc: Exception) -> str:
    """The innermost cause urllib3 wraps ('[Errno 111] Connection refused'), else the error."""
    found = re.search(r"\[Errno -?\d+\] [^\"\')]+", str(exc))
    return found.group(0).strip() if found else str(exc)


class ClusterError(DeployerError):
    """The API refused or could not be reached; the message names the object and the reason."""

    exit_code = ExitCode.APPLY_FAILED


class ClusterUnreachable(ClusterError):
    exit_code = ExitCode.HOST_UNREACHABLE


class ClusterForbidden(ClusterError):
    """The account may not do this (401 or 403)."""


class ClusterConflict(ClusterError):
    """The object exists already, or changed since it was read (409)."""


@dataclass(frozen=True)
class ObjectRef:
    api_version: str
    kind: str
    namespace: str
    name: str

    @classmethod
    def of(cls, manifest: dict[str, Any]) -> ObjectRef:
        meta = manifest["metadata"]
        return cls(manifest["apiVersion"], manifest["kind"], meta["namespace"], meta["name"])

    def collection(self) -> str:
        prefix = "/api/v1" if self.api_version == "v1" else f"/apis/{self.api_version}"
        return f"{prefix}/namespaces/{self.namespace}/{PLURALS[self.kind]}"

    def path(self) -> str:
        return f"{self.collection()}/{self.name}"

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


class Cluster:
    """One cluster, reached with one kubeconfig context (or an ApiClient made for a test)."""

    def __init__(self, api: kube_client.ApiClient) -> None:
        self.api = api

    @classmethod
    def connect(cls, kubeconfig: Path | None, context: str) -> Cluster:
        try:
            api = kube_config.new_client_from_config(  # type: ignore[no-untyped-call]
                config_file=str(kubeconfig) if kubeconfig else None, context=context
            )
        except (ConfigException, OSError) as exc:
            where = kubeconfig or "the default kubeconfig"
            raise ClusterUnreachable(f"{where}: context {context}: {exc}") from None
        return cls(api)

    def version(self) -> str:
        """The API server's version as 'major.minor' (e.g. '1.27')."""
        found = self._call("GET", "/version") or {}
        minor = "".join(ch for ch in str(found.get("minor", "")) if ch.isdigit())
        return f"{found.get('major', '')}.{minor}"

    def get(self, ref: ObjectRef) -> dict[str, Any] | None:
        return self._call("GET", ref.path(), missing_ok=True)

    def create(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Create the object; ClusterConflict when it exists."""
        ref = ObjectRef.of(manifest)
        return self._call("POST", ref.collection(), body=manifest, what=ref) or {}

    def update(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Change the object as read, as a merge patch: the ``resourceVersion`` it carries
        makes the server refuse (ClusterConflict) when someone changed it since."""
        ref = ObjectRef.of(manifest)
        return (
            self._call("PATCH", ref.path(), body=manifest, content_type=MERGE_PATCH, what=ref) or {}
        )

    def delete(self, ref: ObjectRef) -> None:
        self._call("DELETE", ref.path(), missing_ok=True, what=ref)

    def read(self, path: str) -> dict[str, Any] | None:
        """Any object or list by its API path; None when there is none."""
        return self._call("GET", path, missing_ok=True)

    def allowed(self, verb: str, group: str, resource: str, namespace: str) -> bool:
        """Whether this account may ``verb`` the ``resource`` in ``namespace``: the API
        server's own answer (a SelfSubjectAccessReview), whatever grants it."""
        review = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {
                "resourceAttributes": {
                    "verb": verb,
                    "group": group,
                    "resource": resource,
                    "namespace": namespace,
                }
            },
        }
        answer = self._call("POST", ACCESS_REVIEWS, body=review) or {}
        return answer.get("status", {}).get("allowed") is True

    def apply(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Apply the object server-side: created if missing, else deployer takes every field
        it sets (force: a field someone changed by hand is taken back, and one deployer no
        longer sets is dropped). A server that does not create on apply (an API emulator)
        answers 404; the object is then created."""
        ref = ObjectRef.of(manifest)
        query: dict[str, str] = {"fieldManager": FIELD_MANAGER, "force": "true"}
        body = json.dumps(manifest)
        applied = self._call(
            "PATCH", ref.path(), query, body, APPLY_PATCH, missing_ok=True, what=ref
        )
        if applied is None:
            del query["force"]
            applied = self._call("POST", ref.collection(), query, manifest, what=ref)
        return applied or {}

    def events(self, namespace: str, names: set[str]) -> list[str]:
        """'Reason: message' of each event about one of ``names`` (pods' names start with
        their Deployment's), oldest first."""
        found = self._call("GET", f"/api/v1/namespaces/{namespace}/events") or {}
        lines = []
        for event in found.get("items", []):
            involved = event.get("involvedObject", {}).get("name", "")
            if any(involved == name or involved.startswith(f"{name}-") for name in names):
                lines.append(f"{involved}: {event.get('reason', '')}: {event.get('message', '')}")
        return lines

    def _call(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        *,
        missing_ok: bool = False,
        what: ObjectRef | None = None,
    ) -> dict[str, Any] | None:
        headers = {"Accept": "application/json", "Content-Type": content_type}
        try:
            method, url, headers, payload, _ = self.api.param_serialize(
                method=method,
                resource_path=path,
                query_params=list((query or {}).items()),
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
            )
            response = self.api.call_api(
                method, url, header_params=headers, body=payload, _request_timeout=TIMEOUT
            )
            response.read()  # type: ignore[no-untyped-call]
        except Exception as exc:  # urllib3's and the client's own: the API is not there
            if isinstance(exc, OSError | kube_client.exceptions.OpenApiException) or type(
                exc
            ).__module__.startswith("urllib3"):
                raise ClusterUnreachable(
                    f"cannot reach the cluster's API at {self.api.configuration.host}: "
                    f"{_reason(exc)}"
                ) from None
            raise
        if response.status == 404 and missing_ok:
            return None
        data = json.loads(response.data or b"{}")
        if not isinstance(data, dict):
            data = {}
        if response.status >= 400:
            subject = str(what) if what else path
            reason = data.get("message") or response.reason
            refused = {401: ClusterForbidden, 403: ClusterForbidden, 409: ClusterConflict}
            raised = refused.get(response.status, ClusterError)
            raise raised(f"{method} {subject}: {response.status} {reason}")
        return data
