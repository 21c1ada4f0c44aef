"""What the customer's cluster reports to ``deployer check`` (target kubernetes).

Filled through the cluster's API with the spec's kubeconfig context; the checks only read it.
``None`` in a field means the API would not say (the account may not read it), which the
checks report as unknown rather than as missing.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from deployer.facts.model import FactModel


class ClusterFacts(FactModel):
    server: str = Field(description="The API server's URL, as the kubeconfig names it.")
    version: str | None = Field(default=None, description="'major.minor', e.g. '1.27'.")
    namespace: bool | None = Field(default=None, description="Whether the namespace exists.")
    ingress_class: bool | None = Field(
        default=None, description="Whether the spec's ingress class exists (None: none asked)."
    )
    pull_secret: bool | None = Field(
        default=None, description="Whether the spec's image pull Secret exists in the namespace."
    )
    denied: tuple[str, ...] | None = Field(
        default=None,
        description="What deployer needs and the account may not do ('patch deployments.apps'); "
        "None: the access reviews could not be asked.",
    )
    nodes: int | None = Field(
        default=None, description="Schedulable nodes the pods may run on (node selector)."
    )
    allocatable_cpu: float | None = Field(default=None, description="Their CPUs, summed.")
    allocatable_memory: int | None = Field(default=None, description="Their memory in bytes.")
    unread: tuple[str, ...] = Field(
        default=(), description="What could not be read, and the API's reason."
    )


def quantity(text: str) -> Decimal:
    """A Kubernetes quantity ('500m', '1Gi', '2') as a number, by the client's own rules."""
    # The client takes a third of a second to import: only cluster checks pay for it.
    from kubernetes.utils import parse_quantity  # noqa: PLC0415

    parsed: Decimal = parse_quantity(text)  # type: ignore[no-untyped-call]
    return parsed
