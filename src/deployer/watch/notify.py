"""Telling a chat robot: DingTalk and WeCom take ``{"msgtype": "text", ...}``, Feishu
``{"msg_type": "text", ...}``, anything else deployer's own JSON. A notification is never
required: one that fails is a line in the watch's output, never the watch's end."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from deployer.spec.watch import Webhook

#: Seconds a robot may take to answer.
TIMEOUT = 5


def payload(kind: str, text: str, data: dict[str, Any]) -> dict[str, Any]:
    if kind in ("dingtalk", "wecom"):
        return {"msgtype": "text", "text": {"content": text}}
    if kind == "feishu":
        return {"msg_type": "text", "content": {"text": text}}
    return {"text": text, **data}


def notify(webhook: Webhook, url: str, text: str, data: dict[str, Any]) -> str | None:
    """Post to ``url`` (the webhook's revealed address); why it failed, or None. The address
    is never in the answer: it carries the robot's token."""
    body = json.dumps(payload(webhook.kind, text, data), ensure_ascii=False).encode("utf-8")
    if not url.startswith(("https://", "http://")):
        return "the webhook's address is not an http(s) URL"
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
            if not 200 <= answer.status < 300:
                return f"the webhook answered HTTP {answer.status}"
    except urllib.error.HTTPError as exc:
        return f"the webhook answered HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"the webhook could not be reached ({type(reason).__name__})"
    return None
