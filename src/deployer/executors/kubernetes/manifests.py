"""The product's objects in the cluster, from the spec: Deployment, Service, Ingress,
ConfigMap (named by its content), PodDisruptionBudget, and a kustomization for
``kubectl apply -k``.

The image is Tomcat with the product's WAR unpacked in ``webapps`` (the layout of the
official Tomcat images, which ``deployer image build`` starts from). The config files sit
where they sit on hosts, so the product's context parameters name the same paths.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import quoteattr

from deployer.executors.kubernetes.config import render_config, with_env_references
from deployer.spec import LoadedEnvironment
from deployer.spec.environment import Environment
from deployer.spec.kube import KubernetesTarget
from deployer.spec.layout import product_layout
from deployer.spec.secrets import SecretRef

Manifest = dict[str, Any]
CATALINA_BASE = "/usr/local/tomcat"
#: The ConfigMap key of Tomcat's context descriptor (the product's context parameters).
DESCRIPTOR_KEY = "deployer-context.xml"
#: A user id with no account in the image: the pods never run as root.
RUN_AS = 10001


@dataclass(frozen=True)
class Manifests:
    """File name -> object, in the order they are applied; the Secret the pods read (its name,
    and each key's secret: the values go to the cluster only), and the kustomization."""

    objects: dict[str, Manifest]
    secret_name: str
    secrets: dict[str, SecretRef] = field(repr=False)
    kustomization: Manifest

    @property
    def secret_keys(self) -> tuple[str, ...]:
        return tuple(sorted(self.secrets))


def kubernetes_target(env: Environment) -> KubernetesTarget:
    if not isinstance(env.target, KubernetesTarget):
        raise ValueError("the spec's target is not kubernetes")
    return env.target


def render_manifests(loaded: LoadedEnvironment) -> Manifests:
    env = loaded.env
    target = kubernetes_target(env)
    config = render_config(loaded)
    parameters, parameter_secrets = with_env_references(env.product.context_parameters, "context")
    secrets = {**config.secrets, **parameter_secrets}
    data = dict(config.files)
    if parameters:
        data[DESCRIPTOR_KEY] = context_descriptor(parameters)
    names = _Names(env.product.name, content_hash(data))
    objects: dict[str, Manifest] = {
        "configmap": configmap(env, names, data),
        "deployment": deployment(env, target, names, data, sorted(secrets)),
        "service": service(env, names),
    }
    if target.ingress is not None:
        objects["ingress"] = ingress(env, target, names)
    objects["pdb"] = disruption_budget(env, names)
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": target.namespace,
        "resources": [f"{name}.yaml" for name in objects],
    }
    return Manifests(objects, names.secrets, secrets, kustomization)


@dataclass(frozen=True)
class _Names:
    product: str
    config_hash: str

    @property
    def config(self) -> str:
        return f"{self.product}-config-{self.config_hash}"

    @property
    def secrets(self) -> str:
        return f"{self.product}-secrets"


def content_hash(data: dict[str, str]) -> str:
    """Ten hex digits of the ConfigMap's content: a config change gives a new name."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def context_descriptor(parameters: dict[str, Any]) -> str:
    lines = ["<?xml version='1.0' encoding='utf-8'?>", "<Context>"]
    for name, value in parameters.items():
        lines.append(
            f'  <Parameter name={quoteattr(name)} value={quoteattr(str(value))} override="false"/>'
        )
    lines.append("</Context>")
    return "\n".join(lines) + "\n"


def selector(env: Environment) -> dict[str, str]:
    """The labels that pick the product's pods; never changed after the first apply."""
    return {
        "app.kubernetes.io/name": env.product.name,
        "app.kubernetes.io/instance": env.environment,
    }


def labels(env: Environment) -> dict[str, str]:
    return {
        **selector(env),
        "app.kubernetes.io/version": env.product.version,
        "app.kubernetes.io/managed-by": "deployer",
    }


def metadata(env: Environment, name: str) -> dict[str, Any]:
    return {"name": name, "namespace": kubernetes_target(env).namespace, "labels": labels(env)}


def configmap(env: Environment, names: _Names, data: dict[str, str]) -> Manifest:
    # Immutable: a change is a new ConfigMap; the old one stays for the rollback.
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(env, names.config),
        "immutable": True,
        "data": data,
    }


def port(env: Environment) -> int:
    tomcat = env.middleware.tomcat
    return tomcat.port if tomcat is not None else 8080


def context_name(context_path: str) -> str:
    """Tomcat's name for a context path: '' -> ROOT, '/erp' -> erp, '/a/b' -> a#b."""
    return context_path.strip("/").replace("/", "#") or "ROOT"


def deployment(
    env: Environment,
    target: KubernetesTarget,
    names: _Names,
    data: dict[str, str],
    secret_keys: list[str],
) -> Manifest:
    pod: dict[str, Any] = {
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS,
            "runAsGroup": RUN_AS,
            "fsGroup": RUN_AS,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container(env, target, names, data, secret_keys)],
        "volumes": volumes(names, data),
    }
    if target.pull_secret:
        pod["imagePullSecrets"] = [{"name": target.pull_secret}]
    if target.node_selector:
        pod["nodeSelector"] = dict(target.node_selector)
    if target.tolerations:
        pod["tolerations"] = [
            {_camel(k): v for k, v in t.model_dump(exclude_none=True).items()}
            for t in target.tolerations
        ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(env, env.product.name),
        "spec": {
            "replicas": target.replicas,
            "revisionHistoryLimit": env.product.keep_releases,
            "selector": {"matchLabels": selector(env)},
            # No pod is taken away before its replacement is ready.
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
            },
            "template": {"metadata": {"labels": labels(env)}, "spec": pod},
        },
    }


def container(
    env: Environment,
    target: KubernetesTarget,
    names: _Names,
    data: dict[str, str],
    secret_keys: list[str],
) -> Manifest:
    tomcat = env.middleware.tomcat
    variables: list[dict[str, Any]] = []
    if tomcat is not None and tomcat.jvm_options:
        variables.append({"name": "CATALINA_OPTS", "value": " ".join(tomcat.jvm_options)})
    variables += [
        {"name": key, "valueFrom": {"secretKeyRef": {"name": names.secrets, "key": key}}}
        for key in secret_keys
    ]
    probe = {"httpGet": {"path": env.product.health_path, "port": "http"}, "timeoutSeconds": 5}
    found: dict[str, Any] = {
        "name": env.product.name,
        "image": env.product.image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": port(env), "protocol": "TCP"}],
        "resources": resources(target),
        # The health page answers within health_timeout of a start, or the pod has failed.
        "startupProbe": {
            **probe,
            "periodSeconds": 5,
            "failureThreshold": math.ceil(env.product.health_timeout / 5),
        },
        "readinessProbe": {**probe, "periodSeconds": 5, "failureThreshold": 3},
        "livenessProbe": {**probe, "periodSeconds": 10, "failureThreshold": 6},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": mounts(env, data),
    }
    if variables:
        found["env"] = variables
    return found


def resources(target: KubernetesTarget) -> dict[str, dict[str, str]]:
    found = {}
    for part in ("requests", "limits"):
        quantities = getattr(target.resources, part).model_dump(exclude_none=True)
        if quantities:
            found[part] = quantities
    return found


#: Where Tomcat writes; the image's copies belong to root, the pods do not run as root.
WRITABLE = ("work", "temp", "logs")


def mounts(env: Environment, data: dict[str, str]) -> list[dict[str, Any]]:
    layout = product_layout(env)
    found: list[dict[str, Any]] = [
        {"name": "config", "mountPath": f"{layout.root}/shared/config", "readOnly": True}
    ]
    if DESCRIPTOR_KEY in data:
        descriptor = f"{CATALINA_BASE}/conf/Catalina/localhost/{context_name(layout.context_path)}"
        found.append(
            {
                "name": "descriptor",
                "mountPath": f"{descriptor}.xml",
                "subPath": DESCRIPTOR_KEY,
                "readOnly": True,
            }
        )
    found += [
        {"name": f"tomcat-{part}", "mountPath": f"{CATALINA_BASE}/{part}"} for part in WRITABLE
    ]
    return found


def volumes(names: _Names, data: dict[str, str]) -> list[dict[str, Any]]:
    files = [key for key in data if key != DESCRIPTOR_KEY]
    found: list[dict[str, Any]] = [
        {
            "name": "config",
            "configMap": {
                "name": names.config,
                "items": [{"key": key, "path": key} for key in files],
            },
        }
    ]
    if DESCRIPTOR_KEY in data:
        found.append({"name": "descriptor", "configMap": {"name": names.config}})
    found += [{"name": f"tomcat-{part}", "emptyDir": {}} for part in WRITABLE]
    return found


def service(env: Environment, names: _Names) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(env, names.product),
        "spec": {
            "type": "ClusterIP",
            "selector": selector(env),
            "ports": [{"name": "http", "port": port(env), "targetPort": "http", "protocol": "TCP"}],
        },
    }


def ingress(env: Environment, target: KubernetesTarget, names: _Names) -> Manifest:
    assert target.ingress is not None
    path = {
        "path": env.product.context_path or "/",
        "pathType": "Prefix",
        "backend": {"service": {"name": names.product, "port": {"name": "http"}}},
    }
    spec: dict[str, Any] = {
        "ingressClassName": target.ingress.class_name,
        "rules": [{"host": target.ingress.host, "http": {"paths": [path]}}],
    }
    if target.ingress.tls_secret:
        spec["tls"] = [{"hosts": [target.ingress.host], "secretName": target.ingress.tls_secret}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(env, names.product),
        "spec": spec,
    }


def disruption_budget(env: Environment, names: _Names) -> Manifest:
    # One pod at a time may go for a node drain; with one replica the drain still proceeds.
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(env, names.product),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector(env)}},
    }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
