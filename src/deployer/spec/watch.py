"""``watch:`` in the spec: how often the go-live watch samples the hosts, what counts as a
breach, and how many samples in a row make one count. Every threshold has a default that
suits a freshly installed site, so a spec without ``watch:`` is watched too.

    watch:
      interval: 10s
      consecutive: 3
      paths: [/opt/sample-erp/shared/uploads]
      thresholds: {cpu_percent: 85, http_5xx_percent: 2}
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from deployer.spec.secrets import SecretRef
from deployer.spec.types import StrictModel

#: 90s, 30m, 2h, 1h30m, or plain seconds.
DURATION = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s?)?$")
#: The longest watch deployer accepts: a night and a day.
LONGEST = 36 * 3600


class DurationError(ValueError):
    pass


def parse_duration(text: str | int) -> int:
    """Seconds in ``text``: ``90s``, ``30m``, ``2h``, ``1h30m`` or ``45``."""
    if isinstance(text, int) and not isinstance(text, bool):
        seconds = text
    else:
        match = DURATION.match(str(text).strip())
        if not match or not str(text).strip():
            raise DurationError(f"not a duration: {text!r} (e.g. 90s, 30m, 2h, 1h30m)")
        hours, minutes, secs = (int(match.group(part) or 0) for part in ("h", "m", "s"))
        seconds = hours * 3600 + minutes * 60 + secs
    if not 1 <= seconds <= LONGEST:
        raise DurationError(f"{text!r} is out of range (1 s to {LONGEST // 3600} h)")
    return seconds


Seconds = Annotated[int, BeforeValidator(parse_duration)]


class Thresholds(StrictModel):
    """A sample breaches a check when its value goes above the threshold."""

    cpu_percent: float = Field(default=90, gt=0, le=100, description="CPU busy, all cores.")
    memory_percent: float = Field(default=90, gt=0, le=100, description="Memory in use.")
    disk_percent: float = Field(default=90, gt=0, le=100, description="Any watched path's disk.")
    load_per_cpu: float = Field(default=2.0, gt=0, description="1-minute load per core.")
    health_ms: int = Field(default=3000, ge=1, description="Health page latency, milliseconds.")
    error_lines: int = Field(
        default=0, ge=0, description="New ERROR/SEVERE/Exception lines in Tomcat's log per sample."
    )
    http_5xx_percent: float = Field(
        default=5, ge=0, le=100, description="Share of 5xx answers in nginx's access log."
    )
    db_connections_percent: float = Field(
        default=80, gt=0, le=100, description="Database connections of max_connections."
    )
    db_threads_running: int = Field(default=50, ge=1, description="Database threads running.")
    slow_queries: int = Field(default=10, ge=0, description="New slow queries per sample.")


class Webhook(StrictModel):
    """Where the watch posts its breaches and its verdict; the address usually carries the
    robot's token, so it is a secret reference."""

    url: SecretRef = Field(description="The webhook's address: ${env:VAR} or ${file:PATH}.")
    kind: Literal["dingtalk", "wecom", "feishu", "json"] = Field(
        default="json",
        description="dingtalk, wecom and feishu get their robots' text message; json gets "
        "deployer's own verdict object.",
    )


class Watch(StrictModel):
    interval: Seconds = Field(default=10, le=3600, description="Time between samples: 10s, 1m.")
    consecutive: int = Field(
        default=3, ge=1, le=100, description="Samples in a row over a threshold that make a breach."
    )
    paths: list[Annotated[str, Field(pattern=r"^/")]] = Field(
        default_factory=list,
        description="Absolute paths whose disks are watched besides / (the product's uploads).",
    )
    thresholds: Thresholds = Field(
        default_factory=Thresholds, description="Limits above which a reading is over."
    )
    baseline_margin_percent: float = Field(
        default=10,
        ge=0,
        le=1000,
        description="A check already over its threshold in the watch before the last apply "
        "(the baseline) is over again only once this much worse than it was.",
    )
    webhook: Webhook | None = Field(
        default=None, description="Optional: a chat robot told of breaches and of the verdict."
    )
