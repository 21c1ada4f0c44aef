"""``target: {type: kubernetes}``: where in a cluster the product runs, and how its pods are
shaped (replicas, resources, ingress, image pull secret, placement)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from deployer.spec.types import QuotedMatching, StrictModel, Text, matching

#: A DNS label as Kubernetes names objects and namespaces.
DNS_LABEL = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
DnsLabel = Annotated[
    str,
    matching(
        DNS_LABEL,
        "not a DNS label (lower-case letters, digits and '-', at most 63), as Kubernetes requires",
    ),
]
DnsName = Annotated[
    str,
    StringConstraints(max_length=253),
    matching(
        r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$",
        "not a DNS name (lower-case labels joined by '.', at most 253), as Kubernetes requires",
    ),
]
KubeVersion = Annotated[
    str,
    QuotedMatching(r"^1\.[0-9]{1,2}$", "not a Kubernetes version (major.minor, e.g. '1.27')"),
]
Cpu = Annotated[
    str,
    matching(r"^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$", "not a CPU quantity (e.g. '500m' or '2')"),
]
Memory = Annotated[
    str,
    matching(r"^[1-9][0-9]*(Ki|Mi|Gi|Ti)$", "not a memory quantity (e.g. '512Mi' or '2Gi')"),
]
LabelKey = Annotated[
    str,
    matching(
        r"^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$",
        "not a Kubernetes label key (e.g. 'kubernetes.io/os' or 'disktype')",
    ),
]
LabelValue = Annotated[
    str,
    matching(
        r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$",
        "not a Kubernetes label value (letters, digits, '-', '_' and '.', at most 63)",
    ),
]
_IMAGE_REF = r"[a-z0-9]+([._/:-][a-zA-Z0-9_.-]+)*(@sha256:[a-f0-9]{64})?"
ImageRef = Annotated[
    str,
    matching(
        rf"^{_IMAGE_REF}$",
        "not an image reference (e.g. 'registry.example.cn/erp/sample-erp:1.0')",
    ),
]
#: How the name of an image archive ends; any other base image is a registry reference.
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz")
_ARCHIVE = "|".join(re.escape(suffix) for suffix in ARCHIVE_SUFFIXES)
BaseImage = Annotated[
    Text,
    matching(
        rf"^(.*({_ARCHIVE})|{_IMAGE_REF})$",
        "neither an image archive next to the spec (.tar, .tar.gz, .tgz or .tar.xz) nor an "
        "image reference (e.g. 'docker.io/library/tomcat:10.1-jre17')",
    ),
]


def is_image_archive(base_image: str) -> bool:
    return base_image.endswith(ARCHIVE_SUFFIXES)


class Quantities(StrictModel):
    cpu: Cpu | None = Field(default=None, description="CPU, e.g. '500m' or '2'.")
    memory: Memory | None = Field(default=None, description="Memory, e.g. '1Gi'.")


class Resources(StrictModel):
    """What each pod asks the scheduler for, and the most it may use."""

    requests: Quantities = Field(
        default_factory=lambda: Quantities(cpu="500m", memory="1Gi"),
        description="Reserved for each pod; the scheduler places pods by these.",
    )
    limits: Quantities = Field(
        default_factory=lambda: Quantities(memory="2Gi"),
        description="The most each pod may use; memory past it restarts the pod.",
    )


class Ingress(StrictModel):
    """How the product is reached from outside the cluster."""

    class_name: DnsName = Field(
        alias="class", description="IngressClass to use, e.g. 'nginx'; the cluster must have it."
    )
    host: DnsName = Field(description="Host name the product is served on.")
    tls_secret: DnsName | None = Field(
        default=None, description="A TLS Secret in the namespace; unset: plain HTTP."
    )


class Toleration(StrictModel):
    """A node taint the pods accept (the fields of a Kubernetes toleration)."""

    key: LabelKey | None = Field(default=None, description="The taint's key; unset: any.")
    operator: Literal["Exists", "Equal"] = Field(
        default="Equal", description="Equal: the taint's value must be `value`; Exists: any."
    )
    value: LabelValue | None = Field(default=None, description="The taint's value (Equal).")
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = Field(
        default=None, description="The taint effect accepted; unset: every effect."
    )
    toleration_seconds: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="NoExecute: how long a pod stays once the taint appears."
    )


class KubernetesTarget(StrictModel):
    """Deploy to a Kubernetes cluster. The spec's hosts are then only the machines reached
    over SSH (the database host, bastions)."""

    type: Literal["kubernetes"] = Field(default="kubernetes", description="Deploy to Kubernetes.")
    kubeconfig: Text | None = Field(
        default=None,
        description="kubeconfig file, relative to the spec; unset: $KUBECONFIG or ~/.kube/config.",
    )
    context: Text = Field(description="kubeconfig context to use.")
    namespace: DnsLabel = Field(description="Namespace to deploy into.")
    version: KubeVersion | None = Field(
        default=None,
        description="The cluster's Kubernetes version, quoted: '1.24'. Manifests are validated "
        "against it; unset: the newest version deployer knows.",
    )
    replicas: int = Field(default=2, ge=1, le=100, description="Pods running the product.")
    resources: Resources = Field(default_factory=Resources, description="Per pod.")
    ingress: Ingress | None = Field(default=None, description="Unset: no Ingress.")
    pull_secret: DnsName | None = Field(
        default=None, description="Secret in the namespace for pulling the image."
    )
    node_selector: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, description="Node labels the pods must run on."
    )
    tolerations: list[Toleration] = Field(
        default_factory=list, description="Node taints the pods accept."
    )
