#!/usr/bin/python
"""Ansible module of deployer's product role: put a release and its config files back in one
call on the host.

A rollback runs while the product is down, and every module call is a round trip to the host;
checking both releases, restoring the backups, switching `current` and marking the release
being left are one step here, in that order, each idempotent, so that a rollback stopped
half-way and run again ends in the same place. The work itself is in the role's
module_utils/deployer_release.py, which deployer also runs on its own (see there).
"""

DOCUMENTATION = r"""
module: release_rollback
short_description: Make an earlier release live again and restore the config files a run changed
description:
  - Checks that the release to go back to is a complete release of the product (it holds the
    marker file) that no rollback has left as failed, and that every backup to restore exists.
  - Restores each config file from its backup (content, owner, group and mode), removes the
    files the run created, switches the C(current) link to the release atomically (a new link
    renamed over the old one) or removes it when no release is to be live, clears Tomcat's
    compiled pages when the live release changed (putting back those kept aside under the name
    of the release gone back to, see the role's handlers), and marks the release being left as
    failed.
  - Supports check mode. Reports changed only when something had to change; C(restart) tells
    whether Tomcat has to restart (the release or a config file changed).
options:
  current:
    description: The link that names the live release.
    type: path
    required: true
  releases:
    description: The folder of the product's releases; both releases must be directly in it.
    type: path
    required: true
  release:
    description: The release to make live; empty when no release is to be live.
    type: str
    default: ""
  left:
    description: The release being left, marked as failed; empty when there is none.
    type: str
    default: ""
  marker:
    description: File, relative to a release, that a complete release holds.
    type: str
    required: true
  failed_marker:
    description: File, relative to a release, that marks a release a rollback left.
    type: str
    required: true
  restore:
    description: Config file to restore -> the backup to restore it from.
    type: dict
    default: {}
  remove:
    description: Config files to remove.
    type: list
    elements: path
    default: []
  service:
    description:
      - The application server's systemd unit, started after the files are back (restarted when
        it runs and the release or a config file changed); empty to leave services alone (a
        Tomcat the rollback removed has none).
    type: str
    default: ""
  work_dir:
    description:
      - Tomcat's folder of compiled pages of the product, replaced when the live release changes by
        the copy kept aside as C(<work_dir>@<release name>), if any, else emptied.
    type: path
    default: ""
author: deployer
"""

RETURN = r"""
restored:
  description: Config files put back from their backups.
  type: list
  returned: always
removed:
  description: Config files removed.
  type: list
  returned: always
switched:
  description: Whether the live release changed.
  type: bool
  returned: always
marked:
  description: Whether the release being left was marked as failed now.
  type: bool
  returned: always
restart:
  description: Whether Tomcat has to restart to serve what was put back.
  type: bool
  returned: always
started:
  description: Whether the service was started or restarted.
  type: bool
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.deployer_release import PutBackRefused, put_back, start_service


def main():
    module = AnsibleModule(
        argument_spec=dict(
            current=dict(type="path", required=True),
            releases=dict(type="path", required=True),
            release=dict(type="str", default=""),
            left=dict(type="str", default=""),
            marker=dict(type="str", required=True),
            failed_marker=dict(type="str", required=True),
            restore=dict(type="dict", default={}),
            remove=dict(type="list", elements="path", default=[]),
            work_dir=dict(type="path", default=""),
            service=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    try:
        done = put_back(module.params, module.check_mode)
    except PutBackRefused as exc:
        module.fail_json(msg=str(exc))
    # The start is part of this call, not a task of its own: the product is down until the
    # start, and each task is one more round trip before it.
    service = module.params["service"]
    systemctl = module.get_bin_path("systemctl", required=True) if service else ""
    started, failure = start_service(
        module.run_command, systemctl, service, done["restart"], module.check_mode
    )
    if failure:
        module.fail_json(msg=failure)
    changed = done["restored"] or done["removed"] or done["switched"] or done["marked"]
    module.exit_json(changed=bool(changed or started), started=started, **done)


if __name__ == "__main__":
    main()
