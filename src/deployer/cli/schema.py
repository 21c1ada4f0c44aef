"""``deployer schema [environment|matrix]``: JSON Schema for editors."""

from __future__ import annotations

import argparse
import json

from deployer.cli.io import Streams
from deployer.errors import ExitCode
from deployer.spec.schema import json_schema


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "schema",
        help="print the JSON Schema of a spec kind",
        description="Print a JSON Schema that editors (VS Code YAML, IntelliJ) can use.",
    )
    parser.add_argument(
        "kind", nargs="?", default="environment", choices=["environment", "matrix", "dataimport"]
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, streams: Streams) -> int:
    streams.data(json.dumps(json_schema(args.kind), ensure_ascii=False, indent=2))
    return ExitCode.OK
