#!/usr/bin/python
"""Ansible module of deployer's product role: wait on the host for the product's health page to
show a version, in one call.

Tomcat takes about two seconds to start the product on a small host. Polled as a task with
``until``, every look is a round trip to the host plus the delay between retries, so the run
found the page ready up to a second after it was. Here the host polls its own loopback every
``interval`` seconds, and the run hears back once.
"""

DOCUMENTATION = r"""
module: health_wait
short_description: Wait until the product's health page shows the expected version
description:
  - Reads the health page (JSON with C(version) and C(database)) every I(interval) seconds until
    it shows I(version), and, with I(require_database), C(database) C(reachable); a page that
    answers 503 counts as an answer (the product says so while its database is unreachable).
  - Fails after I(timeout) seconds, with the last answer or why there was none.
  - Never uses a proxy: the page is the host's own.
options:
  url:
    description: The health page, on the host's loopback.
    type: str
    required: true
  version:
    description: The version the page must show.
    type: str
    required: true
  require_database:
    description: Also wait for C(database) to be C(reachable).
    type: bool
    default: false
  timeout:
    description: Seconds to wait in all.
    type: float
    default: 60
  interval:
    description: Seconds between two reads of the page.
    type: float
    default: 0.1
  request_timeout:
    description: Seconds one read may take.
    type: float
    default: 10
author: deployer
"""

RETURN = r"""
json:
  description: The page's last answer, parsed; empty when none parsed.
  type: dict
  returned: always
status:
  description: The last HTTP status; 0 when the page did not answer.
  type: int
  returned: always
attempts:
  description: How many times the page was read.
  type: int
  returned: always
"""

import json
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six.moves.urllib.error import HTTPError
from ansible.module_utils.urls import open_url

ANSWERS = (200, 503)


def read_page(url, request_timeout):
    """(HTTP status, parsed JSON or {}, why there is no answer): status 0 when none came."""
    try:
        response = open_url(url, timeout=request_timeout, use_proxy=False, follow_redirects="none")
        status, body = response.getcode(), response.read()
    except HTTPError as exc:
        status, body = exc.code, exc.read()
    except Exception as exc:  # refused, reset, timed out: Tomcat is still starting
        return 0, {}, str(exc)
    try:
        page = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return status, {}, "not JSON: %s" % body[:200].decode("utf-8", "replace")
    return status, page if isinstance(page, dict) else {}, ""


def shows(status, page, version, require_database):
    """Whether an answer is the one waited for."""
    if status not in ANSWERS or str(page.get("version", "")) != version:
        return False
    return not require_database or page.get("database") == "reachable"


def describe(status, page, error):
    """The last answer, for the failure message."""
    if status == 0:
        return "no answer (%s)" % error
    if error:
        return "HTTP %d, %s" % (status, error)
    return "HTTP %d, version %r, database %r" % (
        status,
        page.get("version", ""),
        page.get("database", ""),
    )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            version=dict(type="str", required=True),
            require_database=dict(type="bool", default=False),
            timeout=dict(type="float", default=60.0),
            interval=dict(type="float", default=0.1),
            request_timeout=dict(type="float", default=10.0),
        ),
        supports_check_mode=False,
    )
    p = module.params
    deadline = time.time() + p["timeout"]
    attempts = 0
    while True:
        attempts += 1
        status, page, error = read_page(p["url"], p["request_timeout"])
        if shows(status, page, p["version"], p["require_database"]):
            module.exit_json(changed=False, json=page, status=status, attempts=attempts)
        if time.time() >= deadline:
            module.fail_json(
                msg="%s did not show version %s within %g s; last: %s"
                % (p["url"], p["version"], p["timeout"], describe(status, page, error)),
                json=page,
                status=status,
                attempts=attempts,
            )
        time.sleep(p["interval"])


if __name__ == "__main__":
    main()
