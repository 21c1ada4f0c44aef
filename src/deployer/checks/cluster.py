"""The cluster's entry in the scan (target kubernetes): version against the matrix, the
namespace, ingress class and pull Secret the spec names, the account's access, and whether
the nodes the pods may run on can hold them during a rolling update.

The entry is named ``cluster`` (``--accept kubernetes.capacity@cluster``); its address is the
API server's URL.
"""

from __future__ import annotations

from deployer.checks import versions
from deployer.checks.context import Msg, new_result
from deployer.checks.model import CheckResult, HostReport, Status
from deployer.facts.cluster import ClusterFacts, quantity
from deployer.spec.kube import KubernetesTarget, Quantities
from deployer.spec.matrix import SupportMatrix

NAME = "cluster"
#: The rolling update starts one pod more before it stops an old one (maxSurge 1).
SURGE = 1


def cluster_report(
    target: KubernetesTarget,
    matrix: SupportMatrix,
    facts: ClusterFacts | None,
    error: str | None,
) -> HostReport:
    if facts is None:
        return HostReport(
            host=NAME, address=target.context, roles=(), reachable=False,
            error=error or "the cluster's API was not asked",
        )  # fmt: skip
    unread = "; ".join(facts.unread) or "not read"
    results = [
        _version(target, matrix, facts),
        _exists(
            "kubernetes.namespace", facts.namespace, unread,
            Msg("Namespace", "命名空间"), target.namespace,
            fix=Msg(f"Create it: kubectl create namespace {target.namespace}",
                f"请先创建：kubectl create namespace {target.namespace}"),
        ),
    ]  # fmt: skip
    if target.ingress is not None:
        name = target.ingress.class_name
        results.append(
            _exists(
                "kubernetes.ingress_class", facts.ingress_class, unread,
                Msg("Ingress class", "Ingress 类"), name,
                fix=Msg(f"The cluster has no IngressClass {name}: set target.ingress.class to one "
                    "that `kubectl get ingressclass` lists.",
                    f"集群中没有 IngressClass {name}：请将 target.ingress.class 改为 "
                    "`kubectl get ingressclass` 列出的类。"),
            )
        )  # fmt: skip
    if target.pull_secret:
        secret = target.pull_secret
        results.append(
            _exists(
                "kubernetes.pull_secret", facts.pull_secret, unread,
                Msg("Image pull Secret", "镜像拉取 Secret"), f"{target.namespace}/{secret}",
                fix=Msg(f"Create the registry's Secret: kubectl -n {target.namespace} create "
                    f"secret docker-registry {secret} --docker-server=...",
                    f"请创建镜像仓库的 Secret：kubectl -n {target.namespace} create secret "
                    f"docker-registry {secret} --docker-server=..."),
            )
        )  # fmt: skip
    results += [_access(facts, unread), _capacity(target, facts, unread)]
    return HostReport(
        host=NAME, address=facts.server, roles=(), reachable=True, results=tuple(results)
    )


def _version(target: KubernetesTarget, matrix: SupportMatrix, facts: ClusterFacts) -> CheckResult:
    allowed = matrix.kubernetes
    title = Msg("Kubernetes version", "Kubernetes 版本")
    observed = facts.version or "unknown"
    if allowed is not None and not versions.in_range(observed, allowed):
        return new_result(
            "kubernetes.version", Status.FAIL, title, observed, allowed, host=NAME,
            remediation=Msg(f"The product supports Kubernetes {allowed} only.",
                            f"产品仅支持 Kubernetes {allowed}。"),
        )  # fmt: skip
    required = allowed or "any"
    if target.version is not None and target.version != facts.version:
        return new_result(
            "kubernetes.version", Status.WARN, title, observed,
            f"{required}; the spec says {target.version}", host=NAME,
            remediation=Msg(
                f"Set target.version to '{facts.version}': the manifests are validated "
                "against that version.",
                f"请将 target.version 改为 '{facts.version}'：清单按该版本校验。"),
        )  # fmt: skip
    return new_result("kubernetes.version", Status.PASS, title, observed, required, host=NAME)


def _exists(
    check_id: str, found: bool | None, unread: str, title: Msg, name: str, *, fix: Msg
) -> CheckResult:
    if found is None:
        return _unknown(check_id, title, name, unread)
    status = Status.PASS if found else Status.FAIL
    return new_result(
        check_id, status, title, "present" if found else "missing", name, host=NAME,
        remediation=fix,
    )  # fmt: skip


def _access(facts: ClusterFacts, unread: str) -> CheckResult:
    title = Msg("Access to the namespace", "命名空间的访问权限")
    required = "get, create and patch on the product's objects; list events; the lock's Lease"
    if facts.denied is None:
        return _unknown("kubernetes.access", title, required, unread)
    if not facts.denied:
        return new_result("kubernetes.access", Status.PASS, title, "allowed", required, host=NAME)
    denied = ", ".join(facts.denied)
    return new_result(
        "kubernetes.access", Status.FAIL, title, f"denied: {denied}", required, host=NAME,
        remediation=Msg(f"Ask the cluster's administrators for a Role that allows {denied} "
                        "in the namespace, bound to this kubeconfig's account.",
                        f"请集群管理员为该 kubeconfig 的账号绑定允许 {denied} 的 Role。"),
    )  # fmt: skip


def _capacity(target: KubernetesTarget, facts: ClusterFacts, unread: str) -> CheckResult:
    title = Msg("Node capacity", "节点容量")
    pods = target.replicas + SURGE
    requests: Quantities = target.resources.requests
    cpu = float(quantity(requests.cpu or "0")) * pods
    memory = int(quantity(requests.memory or "0")) * pods
    required = f"{cpu:g} CPU, {_gib(memory)} for {pods} pods (a rolling update's surge included)"
    if facts.nodes is None or facts.allocatable_cpu is None or facts.allocatable_memory is None:
        return _unknown("kubernetes.capacity", title, required, unread)
    observed = (
        f"{facts.allocatable_cpu:g} CPU, {_gib(facts.allocatable_memory)} allocatable on "
        f"{facts.nodes} schedulable node(s)"
    )
    if facts.allocatable_cpu >= cpu and facts.allocatable_memory >= memory:
        return new_result("kubernetes.capacity", Status.PASS, title, observed, required, host=NAME)
    return new_result(
        "kubernetes.capacity", Status.FAIL, title, observed, required, host=NAME,
        remediation=Msg("Lower target.replicas or target.resources.requests, or add nodes that "
                        "match target.node_selector and target.tolerations.",
                        "请减少 target.replicas 或 target.resources.requests，或增加符合 "
                        "target.node_selector 与 target.tolerations 的节点。"),
    )  # fmt: skip


def _gib(size: int) -> str:
    return f"{size / 2**30:.1f} GiB"


def _unknown(check_id: str, title: Msg, required: str, unread: str) -> CheckResult:
    return new_result(
        check_id, Status.UNKNOWN, title, f"unknown: {unread}", required, host=NAME,
        remediation=Msg("Check it with the cluster's administrators, or use an account that may "
                        "read it, and run the check again.",
                        "请与集群管理员确认，或换用有读取权限的账号后重新检查。"),
    )  # fmt: skip
