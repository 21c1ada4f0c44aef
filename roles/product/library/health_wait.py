#!/usr/bin/python
"""Ansible module of deployer's product role: wait on the host for the product's health page to
show a version, in one call.

Tomcat takes about two seconds to start the product on a small host. Polled as a task with
``until``, every look is a round trip to the host plus the delay between retries, so the run
found the page ready up to a second after it was. Here the host polls its own loopback every
``interval`` seconds, and the run hears back once. The polling is in the role's module_utils/deployer_release.py,
which deployer also runs on its own (see there).
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

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.deployer_release import wait_healthy


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
    shown, answer, failure = wait_healthy(module.params)
    if not shown:
        module.fail_json(msg=failure, **answer)
    module.exit_json(changed=False, **answer)


if __name__ == "__main__":
    main()
