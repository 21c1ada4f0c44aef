"""What deployer's product role does on a host to put a release back and to wait for its
health page.

The role's modules (release_rollback, health_wait) are thin wrappers around it. deployer also
sends this file, with a few lines that call it, as one program to each app host when a
rollback has nothing but the product's release and config files to put back: no playbook then
starts while the product is down. So it imports nothing outside the standard library, and it
runs on Python 2.7 (CentOS 7 and its kin) as on Python 3.
"""

import filecmp
import json
import os
import shutil
import stat
import time

try:
    from urllib.error import HTTPError
    from urllib.request import HTTPRedirectHandler, ProxyHandler, build_opener
except ImportError:  # Python 2
    from urllib2 import HTTPError, HTTPRedirectHandler, ProxyHandler, build_opener

FAILED_NOTE = "Left by a rollback; deployer never goes back to this release.\n"
#: A health page answers 200, or 503 while the product's database is unreachable.
ANSWERS = (200, 503)


class PutBackRefused(Exception):
    """The rollback cannot go ahead on this host; nothing was changed."""


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


def put_back(p, check_mode):
    """Restore the config files, switch `current` to ``p["release"]`` and mark the release
    being left, each step idempotent; what changed (see release_rollback's RETURN), apart
    from the service. PutBackRefused, before any change, when it cannot go ahead."""
    release, left, restore = p["release"], p["left"], p["restore"] or {}
    blocking = problems(p["releases"], release, left, p["marker"], p["failed_marker"], restore)
    if blocking:
        raise PutBackRefused("; ".join(blocking) + ".")
    live = live_release(p["current"])
    if live is None:
        raise PutBackRefused("%s is not a link; deployer does not replace it." % p["current"])

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
    if not check_mode:
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
    return {
        "restored": restored,
        "removed": removed,
        "switched": switched,
        "marked": marked,
        "restart": bool(restored or removed or switched),
        "live": release,
    }


def start_service(run, systemctl, service, restart, check_mode):
    """Start ``service``, or restart it when it runs and ``restart``: (whether it was, why
    that failed or ""). ``run(argv)`` gives (exit status, stdout, stderr)."""
    if not service:
        return False, ""
    running = run([systemctl, "is-active", "--quiet", service])[0] == 0
    if running and not restart:
        return False, ""
    action = "restart" if running else "start"
    if not check_mode:
        rc, _, err = run([systemctl, action, service])
        if rc != 0:
            return False, "systemctl %s %s failed: %s" % (action, service, err.strip())
    return True, ""


class _NoRedirect(HTTPRedirectHandler):
    """A redirect is an answer of its own (not the page), as any status but 200 and 503."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


#: Never a proxy: the page is the host's own.
_OPENER = build_opener(ProxyHandler({}), _NoRedirect())


def read_page(url, request_timeout):
    """(HTTP status, parsed JSON or {}, why there is no answer): status 0 when none came."""
    try:
        response = _OPENER.open(url, timeout=request_timeout)
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


def wait_healthy(p):
    """Read ``p["url"]`` every ``p["interval"]`` seconds until it shows ``p["version"]``:
    (whether it did within ``p["timeout"]``, the last answer as health_wait returns it, and
    the failure message or "")."""
    deadline = time.time() + p["timeout"]
    attempts = 0
    while True:
        attempts += 1
        status, page, error = read_page(p["url"], p["request_timeout"])
        answer = {"json": page, "status": status, "attempts": attempts}
        if shows(status, page, p["version"], p["require_database"]):
            return True, answer, ""
        if time.time() >= deadline:
            why = "%s did not show version %s within %g s; last: %s" % (
                p["url"],
                p["version"],
                p["timeout"],
                describe(status, page, error),
            )
            return False, answer, why
        time.sleep(p["interval"])
