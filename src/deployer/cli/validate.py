"""``deployer validate SPEC...``: check specs (and the matrices they reference)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from deployer.cli.io import Streams
from deployer.errors import ExitCode
from deployer.spec import SpecError
from deployer.spec.loader import load_document, read_document


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "validate",
        help="check environment specs and support matrices",
        description="Check spec files; report every problem as FILE:LINE:COL: field: message.",
    )
    parser.add_argument("specs", nargs="+", metavar="SPEC", help="environment or matrix file")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, streams: Streams) -> int:
    results = [_validate_one(spec) for spec in args.specs]
    if args.json:
        streams.data(
            json.dumps(
                {"valid": all(r["valid"] for r in results), "files": results},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for result in results:
            for problem in result["problems"]:
                streams.error(str(problem["text"]))
            if result["valid"]:
                streams.say(f"{result['file']}: valid {result['kind']}", style="green")
    return ExitCode.OK if all(r["valid"] for r in results) else ExitCode.INVALID_SPEC


def _validate_one(spec: str) -> dict[str, Any]:
    kind = None
    try:
        doc, model = read_document(Path(spec), spec)
        kind = model.__name__
        load_document(doc, model, Path(spec))
    except SpecError as exc:
        problems = [{"text": str(p), **p.as_dict()} for p in exc.problems]
        return {"file": spec, "kind": kind, "valid": False, "problems": problems}
    return {"file": spec, "kind": kind, "valid": True, "problems": []}
