"""A saved plan read back from the bytes of its file: the plan, or one line saying why not.

Pure: the caller reads the file (and refuses what is not a regular file).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from deployer.errors import DeployerError, ExitCode, UsageError
from deployer.plan.model import Plan

#: Every plan carries it; a JSON object with it is a plan, whatever else it lost.
_MARK = "spec_sha256"
SAVE_HINT = "save one with: deployer plan SPEC --out PLAN"


class NotAPlan(UsageError):
    """The --plan argument names something that is not a saved plan (exit 2)."""


class UnreadablePlan(DeployerError):
    """A plan this deployer cannot read (another version wrote it, or it was edited): like a
    stale plan, the cure is a new one."""

    exit_code = ExitCode.STALE_PLAN


def parse_plan(data: bytes, source: str) -> Plan:
    if not data.strip():
        raise NotAPlan(f"{source}: the plan file is empty; {SAVE_HINT}")
    document = _json(data, source)
    if not isinstance(document, dict):
        raise NotAPlan(f"{source}: not a saved plan (a JSON {_kind(document)}); {SAVE_HINT}")
    if _MARK not in document:
        raise NotAPlan(f"{source}: not a saved plan (no {_MARK} in it); {SAVE_HINT}")
    try:
        return Plan.model_validate(document)
    except ValidationError as exc:
        raise UnreadablePlan(
            f"{source}: a plan this deployer cannot read ({_first_problem(exc)}); "
            "run deployer plan again"
        ) from None


def _json(data: bytes, source: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise NotAPlan(
            f"{source}: not a saved plan (not UTF-8 at byte {exc.start}); {SAVE_HINT}"
        ) from None
    except json.JSONDecodeError as exc:
        raise NotAPlan(
            f"{source}: not a saved plan (invalid JSON at line {exc.lineno} column {exc.colno}: "
            f"{exc.msg}); {SAVE_HINT}"
        ) from None
    except RecursionError:
        # json nests by recursion: a file of "[[[[..." must not end as an internal error.
        raise NotAPlan(
            f"{source}: not a saved plan (JSON nested too deeply); {SAVE_HINT}"
        ) from None


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    return "null" if value is None else "number"


def _first_problem(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "plan"
    more = f", and {len(errors) - 1} more" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"
