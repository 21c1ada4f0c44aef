#!/usr/bin/python
"""Ansible module of deployer's product role: put a release and its config files back in one
call on the host.

A rollback runs while the product is down, and every module call is a round trip to the host;
checking both releases, restoring the backups, switching `current` and marking the release
being left are one step here, in that order, each idempotent, so that a rollback stopped
half-way and run again ends in the same place.
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

import filecmp
import os
import shutil
import stat

from ansible.module_utils.basic import AnsibleModule

FAILED_NOTE = "Left by a rollback; deployer never goes back to this release.\n"


def problems(releases, release, left, marker, failed_marker, restore):
    """Why the rollback cannot go ahead, as sentences; empty when it can."""
    found = []
    for name, path in (("release", release), ("left", left)):
        if path and os.path.dirname(path.rstrip("/")) != releases.rstrip("/"):
            found.append("%s %s is not a folder directly in %s" % (name, path, releases))
    if found:
        return found
    if release and not os.path.isfile(os.path.join(release, marker)):
        found.append("%s is not a complete release (no %s)" % (release, marker))
    if release and os.path.lexists(os.path.join(release, failed_marker)):
        found.append(
            "%s was left by an earlier rollback as failed; roll back a later run instead, "
            "or deploy that version again" % release
        )
    lost = sorted(backup for backup in restore.values() if not os.path.isfile(backup))
    if lost:
        found.append("backups missing, cannot restore from them: %s" % ", ".join(lost))
    return found


def differs(path, backup):
    """Whether ``path`` is not already what ``backup`` holds (content, owner, group, mode)."""
    if not os.path.isfile(path) or os.path.islink(path):
        return True
    have, want = os.stat(path), os.stat(backup)
    if (have.st_uid, have.st_gid) != (want.st_uid, want.st_gid):
        return True
    if stat.S_IMODE(have.st_mode) != stat.S_IMODE(want.st_mode):
        return True
    return not filecmp.cmp(path, backup, shallow=False)


def restore_file(path, backup):
    """Copy ``backup`` beside ``path`` with its owner, group and mode, then rename it over."""
    want = os.stat(backup)
    staged = "%s.deployer-restore" % path
    shutil.copyfile(backup, staged)
    os.chown(staged, want.st_uid, want.st_gid)
    os.chmod(staged, stat.S_IMODE(want.st_mode))
    os.rename(staged, path)


def live_release(current):
    """Where ``current`` points ("" when it does not exist), or None when it is not a link."""
    if os.path.islink(current):
        return os.readlink(current)
    if os.path.lexists(current):
        return None
    return ""


def switch_link(current, release):
    """Point ``current`` at ``release``: a new link renamed over the old, never missing."""
    staged = "%s.deployer-switch" % current
    if os.path.lexists(staged):
        os.unlink(staged)
    os.symlink(release, staged)
    os.rename(staged, current)


def swap_compiled_pages(work_dir, release):
    """Drop the compiled pages of the release being left (never served again) and put back
    those kept aside when ``release`` was left, so that its pages need no compiling."""
    shutil.rmtree(work_dir, ignore_errors=True)
    kept = "%s@%s" % (work_dir, os.path.basename(release.rstrip("/")))
    if release and os.path.isdir(kept):
        os.rename(kept, work_dir)


def start_service(module, service, restart):
    """Start ``service``, or restart it when it runs and ``restart``; whether it was."""
    if not service:
        return False
    systemctl = module.get_bin_path("systemctl", required=True)
    running = module.run_command([systemctl, "is-active", "--quiet", service])[0] == 0
    if running and not restart:
        return False
    action = "restart" if running else "start"
    if not module.check_mode:
        rc, _, err = module.run_command([systemctl, action, service])
        if rc != 0:
            module.fail_json(msg="systemctl %s %s failed: %s" % (action, service, err.strip()))
    return True


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
    p = module.params
    release, left, restore = p["release"], p["left"], p["restore"] or {}
    blocking = problems(p["releases"], release, left, p["marker"], p["failed_marker"], restore)
    if blocking:
        module.fail_json(msg="; ".join(blocking) + ".")
    live = live_release(p["current"])
    if live is None:
        module.fail_json(msg="%s is not a link; deployer does not replace it." % p["current"])

    restored = sorted(path for path, backup in restore.items() if differs(path, backup))
    removed = sorted(path for path in p["remove"] if os.path.lexists(path))
    switched = live != release
    failed_file = os.path.join(left, p["failed_marker"]) if left else ""
    marked = bool(
        left
        and left != release
        and os.path.isdir(os.path.join(left, "WEB-INF"))
        and not os.path.lexists(failed_file)
    )
    if not module.check_mode:
        for path in restored:
            restore_file(path, restore[path])
        for path in removed:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        if switched and release:
            switch_link(p["current"], release)
        elif switched:
            os.unlink(p["current"])
        if switched and p["work_dir"]:
            swap_compiled_pages(p["work_dir"], release)
        if marked:
            with open(failed_file, "w") as note:
                note.write(FAILED_NOTE)
            os.chmod(failed_file, 0o644)
    restart = bool(restored or removed or switched)
    # The start is part of this call, not a task of its own: the product is down until the
    # start, and each task is one more round trip before it.
    started = start_service(module, p["service"], restart)
    module.exit_json(
        changed=bool(restored or removed or switched or marked or started),
        restored=restored,
        removed=removed,
        switched=switched,
        marked=marked,
        restart=restart,
        started=started,
        live=release,
    )


if __name__ == "__main__":
    main()
