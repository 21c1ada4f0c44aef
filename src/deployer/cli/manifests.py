"""``deployer manifests SPEC -o DIR``: the product's Kubernetes objects as files."""

from __future__ import annotations

import argparse
from pathlib import Path

from deployer.cli.io import Streams
from deployer.errors import ExitCode, UsageError
from deployer.files import write_atomic

#: The files hold no secret: readable by the engineer's tools (kubectl, git, review).
SHARED = 0o644


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "manifests",
        help="render the product's Kubernetes manifests (target kubernetes)",
        description="Render Deployment, Service, Ingress, ConfigMap, PodDisruptionBudget and a "
        "kustomization.yaml from SPEC, validated strictly against the cluster's Kubernetes "
        "version. Secret values are never written: the pods read them from a Secret.",
    )
    parser.add_argument("spec", metavar="SPEC", help="environment spec (YAML)")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="DIR", help="folder to write into"
    )
    parser.add_argument(
        "--kube-version",
        metavar="X.Y",
        help="validate for this Kubernetes version (default: the spec's target.version, "
        "else the newest known)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.executors.kubernetes import newest_version, render_manifests, validate
    from deployer.executors.kubernetes.files import manifest_files
    from deployer.spec import load_environment
    from deployer.spec.kube import KubernetesTarget

    loaded = load_environment(Path(args.spec), args.spec)
    target = loaded.env.target
    if not isinstance(target, KubernetesTarget):
        raise UsageError(f"{args.spec}: target is {target.type}; manifests need target kubernetes")
    if args.output.exists() and not args.output.is_dir():
        raise UsageError(f"--output {args.output}: not a folder")
    version = args.kube_version or target.version or newest_version()
    manifests = render_manifests(loaded)
    validate(manifests.objects, version)
    files = manifest_files(manifests)
    try:
        args.output.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            write_atomic(args.output / name, text, SHARED)
    except OSError as exc:
        raise UsageError(f"--output {args.output}: cannot write: {exc.strerror}") from None
    streams.say(
        f"{len(files)} files in {args.output}, valid for Kubernetes {version}", style="green"
    )
    if manifests.secret_keys:
        keys = ", ".join(manifests.secret_keys)
        streams.detail(f"the pods read Secret {manifests.secret_name} ({keys}); not written")
    return ExitCode.OK
