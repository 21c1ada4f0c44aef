"""kmock's Kubernetes emulator on 127.0.0.1, in a thread of its own, for deployer's
synchronous client; and the parts of an API server and its controllers a test plays itself.

The emulator keeps objects and answers create, read, patch, delete and list. What it does
not do, the test does here, each named: the Deployment's ``metadata.generation`` bumped on a
change of its spec (the API server's job), its status set (the controller's job), Events.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import kmock
from kubernetes import client as kube_client

DEPLOYMENTS = kmock.resource("apps/v1/deployments")
EVENTS = kmock.resource("v1/events")


class Emulator:
    """The emulator's thread; ``call`` runs a function on its loop, where its objects live."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.url = ""
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="kmock", daemon=True)
        self.kmock: Any = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        except BaseException as exc:
            self._failure = exc
            self._ready.set()
        finally:
            self.loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with (
            kmock.KubernetesEmulator() as emulator,
            kmock.Server(emulator, host="127.0.0.1") as server,
        ):
            self.kmock = emulator
            self.url = str(server.url).rstrip("/")
            self._ready.set()
            await self._stop.wait()

    def start(self) -> Emulator:
        self._thread.start()
        if not self._ready.wait(10) or self._failure is not None:
            raise RuntimeError(f"the emulator did not start: {self._failure!r}")
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def call(self, function: Callable[[], Any]) -> Any:
        async def run() -> Any:
            return function()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def api_client(self) -> kube_client.ApiClient:
        configuration = kube_client.Configuration()
        configuration.host = self.url
        return kube_client.ApiClient(configuration)

    def stored(self, resource: Any, namespace: str, name: str) -> dict[str, Any] | None:
        def read() -> dict[str, Any] | None:
            key = (resource, namespace, name)
            if key not in self.kmock.objects:
                return None
            found = self.kmock.objects[key]
            return None if found.deleted else dict(found.raw)

        result: dict[str, Any] | None = self.call(read)
        return result

    def names(self, resource: Any, namespace: str) -> set[str]:
        def read() -> set[str]:
            return {
                name
                for (kind, space, name), found in self.kmock.objects.items()
                if kind == resource and space == namespace and not found.deleted
            }

        result: set[str] = self.call(read)
        return result


class ApiServerPart:
    """What the API server does that the emulator does not: bump a Deployment's generation
    when its spec changes, and answer /version."""

    def __init__(self, emulator: Emulator, version: tuple[str, str] = ("1", "27")) -> None:
        self.emulator = emulator
        self.specs: dict[tuple[str, str], Any] = {}
        mock = emulator.kmock
        info = {
            "major": version[0],
            "minor": version[1],
            "gitVersion": f"v{version[0]}.{version[1]}.0",
            "gitCommit": "0",
            "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z",
            "goVersion": "go1.22",
            "compiler": "gc",
            "platform": "linux/amd64",
        }
        for path in ("get /version", "get /version/"):
            mock[path] << info
        # Reactions run after the emulator stored the object: the stored one is the truth.
        (mock**1)["post", DEPLOYMENTS] << self._generation
        (mock**1)["patch", DEPLOYMENTS] << self._generation

    def _generation(self, request: Any) -> dict[str, Any]:
        key = (request.namespace, request.name or request.data["metadata"]["name"])
        found = self.emulator.kmock.objects[(DEPLOYMENTS, key[0], key[1])]
        raw = found.raw
        meta = raw.setdefault("metadata", {})
        if self.specs.get(key) != raw.get("spec"):
            meta["generation"] = int(meta.get("generation") or 0) + 1
            self.specs[key] = raw.get("spec")
        found.patch({"metadata": {"generation": meta["generation"]}})
        return dict(found.raw)


class Controller:
    """The Deployment controller, played by the test: each Deployment's pods become ready, or
    never do (``stuck``), with an Event saying why; one scaled to no pods has none left."""

    def __init__(self, emulator: Emulator, namespace: str) -> None:
        self.emulator = emulator
        self.namespace = namespace
        self.stuck: set[str] = set()  # images whose pods never become available
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        emulator.kmock.resources["v1/events"] = {"kind": "Event", "namespaced": True}

    def _loop(self) -> None:
        while not self._stop.wait(0.05):
            self.emulator.call(self._reconcile)

    def _reconcile(self) -> None:
        for (kind, space, name), found in list(self.emulator.kmock.objects.items()):
            if kind != DEPLOYMENTS or space != self.namespace or found.deleted:
                continue
            raw = found.raw
            spec = raw.get("spec", {})
            wanted = int(spec.get("replicas", 1))
            image = spec["template"]["spec"]["containers"][0]["image"]
            generation = raw.get("metadata", {}).get("generation")
            if image in self.stuck and wanted > 0:  # scaled to none, no pod is left to fail
                status = {
                    "observedGeneration": generation,
                    "replicas": wanted + 1,
                    "updatedReplicas": 1,
                    "availableReplicas": wanted,
                    "unavailableReplicas": 1,
                }
                event = {
                    "apiVersion": "v1",
                    "kind": "Event",
                    "metadata": {"name": f"{name}-new.1", "namespace": space},
                    "involvedObject": {"kind": "Pod", "name": f"{name}-new"},
                    "reason": "Failed",
                    "message": f"Failed to pull image {image!r}",
                }
                self.emulator.kmock.objects[(EVENTS, space, f"{name}-new.1")] = event
            else:
                status = {
                    "observedGeneration": generation,
                    "replicas": wanted,
                    "updatedReplicas": wanted,
                    "availableReplicas": wanted,
                    "readyReplicas": wanted,
                }
            if raw.get("status") != status:
                found.patch({"status": status})

    def start(self) -> Controller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


@contextmanager
def emulated_cluster(namespace: str) -> Iterator[tuple[Emulator, Controller]]:
    emulator = Emulator().start()
    try:
        ApiServerPart(emulator)
        controller = Controller(emulator, namespace).start()
        try:
            yield emulator, controller
        finally:
            controller.stop()
    finally:
        emulator.stop()


class ClusterObjects:
    """What a test decides about the cluster beyond the emulator's objects: the namespace, the
    ingress class 'nginx' and the nodes (cluster-scoped), the pull Secret 'plant-registry', and
    the API server's answers to access reviews."""

    def __init__(self, emulator: Emulator, namespace: str = "erp") -> None:
        self.emulator = emulator
        self.url = emulator.url
        self.denied: set[str] = set()  # "patch deployments"
        # Ahead of the emulator's own handling (it would store an access review as an object).
        mock = emulator.kmock.override
        self.namespace: dict[str, Any] | None = {
            "kind": "Namespace",
            "metadata": {"name": namespace},
        }
        self.nodes = [node("n1", cpu="4", memory="8Gi"), node("n2", cpu="4", memory="8Gi")]
        self.ingress_class = True
        self.pull_secret = True
        mock[f"get /api/v1/namespaces/{namespace}"] << (lambda: self._or_404(self.namespace))
        mock["get /apis/networking.k8s.io/v1/ingressclasses/nginx"] << (
            lambda: self._or_404({"kind": "IngressClass"} if self.ingress_class else None)
        )
        mock[f"get /api/v1/namespaces/{namespace}/secrets/plant-registry"] << (
            lambda: self._or_404({"kind": "Secret"} if self.pull_secret else None)
        )
        mock["get /api/v1/nodes"] << (lambda: {"kind": "NodeList", "items": self.nodes})
        mock["post /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"] << self._review

    @staticmethod
    def _or_404(found: dict[str, Any] | None) -> Any:
        if found is None:
            raise kmock.KubernetesObjectNotFoundError
        return found

    def _review(self, request: Any) -> dict[str, Any]:
        # The emulator stores every create, this one too; an API server keeps no review.
        del self.emulator.kmock.objects[(request.resource, None, None)]
        asked = request.data["spec"]["resourceAttributes"]
        allowed = f"{asked['verb']} {asked['resource']}" not in self.denied
        return {**request.data, "status": {"allowed": allowed}}


def node(name: str, *, cpu: str, memory: str, **spec: Any) -> dict[str, Any]:
    return {
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/os": "linux"}},
        "spec": spec,
        "status": {"allocatable": {"cpu": cpu, "memory": memory}},
    }
