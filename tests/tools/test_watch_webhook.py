"""The watch's notifications posted to a robot the test serves on loopback: each kind's
message shape, and a robot that refuses or is not there as one line, never an error."""

from __future__ import annotations

from typing import Any

import pytest

from deployer.spec.secrets import SecretRef
from deployer.spec.watch import Webhook
from deployer.watch.notify import notify
from tests.support.robot import robot


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("dingtalk", {"msgtype": "text", "text": {"content": "no-go: app1 health:tomcat"}}),
        ("wecom", {"msgtype": "text", "text": {"content": "no-go: app1 health:tomcat"}}),
        ("feishu", {"msg_type": "text", "content": {"text": "no-go: app1 health:tomcat"}}),
        ("json", {"text": "no-go: app1 health:tomcat", "verdict": "no-go"}),
    ],
)
def test_each_robot_gets_its_own_message(kind: str, expected: dict[str, Any]) -> None:
    hook = Webhook(url=SecretRef("env", "ROBOT"), kind=kind)
    with robot() as (url, received):
        assert notify(hook, url, "no-go: app1 health:tomcat", {"verdict": "no-go"}) is None
    assert received == [expected]


def test_a_refusing_or_missing_robot_is_one_line_without_its_token() -> None:
    hook = Webhook(url=SecretRef("env", "ROBOT"), kind="dingtalk")
    with robot(status=403) as (url, _):
        refused = notify(hook, url, "go", {})
    assert refused == "the webhook answered HTTP 403"
    gone = notify(hook, url, "go", {})  # the server is down now
    assert gone is not None and "t0k3n" not in gone and "could not be reached" in gone
    assert (
        notify(hook, "file:///etc/passwd", "go", {})
        == "the webhook's address is not an http(s) URL"
    )
