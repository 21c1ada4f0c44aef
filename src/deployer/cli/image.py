"""``deployer image build SPEC``: the product's image for target kubernetes, saved as an OCI
archive."""

from __future__ import annotations

import argparse
from pathlib import Path

from deployer.cli.io import Streams
from deployer.errors import ExitCode, UsageError


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "image",
        help="build the product's image (target kubernetes)",
        description="Build and save the image the pods run.",
    )
    actions = parser.add_subparsers(dest="image_command", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="build product.image from the WAR on product.base_image",
        description="Unpack the product's WAR into Tomcat's webapps on product.base_image (a "
        "registry reference, or an image archive next to the spec), with podman or docker, "
        "whichever is installed; tag it product.image and save it as an image archive that "
        "can be loaded or pushed at a site without internet.",
    )
    build.add_argument("spec", metavar="SPEC", help="environment spec (YAML)")
    build.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="archive to write (default: .deployer/images/NAME-VERSION.tar beside the spec)",
    )
    build.set_defaults(handler=run_build)


def run_build(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.executors.kubernetes.image import build_image, container_engine, default_archive
    from deployer.spec import load_environment

    loaded = load_environment(Path(args.spec), args.spec)
    product = loaded.env.product
    archive = args.output or default_archive(loaded)
    if archive.is_dir():
        raise UsageError(f"--output {archive}: is a folder; name the archive to write")
    built = build_image(loaded, archive, container_engine(), streams.detail)
    streams.say(f"{built.reference} built on {built.base}, saved to {built.archive}", style="green")
    if loaded.env.database is not None and product.jdbc_driver is None:
        streams.say(
            "note: no product.jdbc_driver: the image has only the JDBC drivers its base and the "
            "WAR carry (the official Tomcat images carry none)",
            style="yellow",
        )
    return ExitCode.OK
