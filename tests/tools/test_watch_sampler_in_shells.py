"""The go-live watch's sampler under the POSIX shells customers' hosts have (dash, bash
--posix, busybox ash, posh), fed on stdin as the transport feeds it: this machine's counters,
a log read on from its offset and across a rotation, an access log's 5xx share, and a
health page served by the test on loopback."""

from __future__ import annotations

import contextlib
import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from deployer.watch.sampler import (
    HealthUrl,
    HostSample,
    SampleRequest,
    WatchedLog,
    build_sampler,
    next_request,
    parse_sample,
)
from tests.tools.test_probe_in_shells import _shells


@contextlib.contextmanager
def health_page() -> Iterator[str]:
    class Quiet(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/health" else 500)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def sample(argv: list[str], request: SampleRequest) -> HostSample:
    done = subprocess.run(
        argv, input=build_sampler(request), capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    found = parse_sample(done.stdout)
    assert found.unreadable == (), done.stdout
    return found


@pytest.mark.parametrize("argv", _shells())
def test_the_sampler_reads_this_machine_and_its_logs(argv: list[str], tmp_path: Path) -> None:
    catalina = tmp_path / "catalina dir" / "catalina.out"
    catalina.parent.mkdir()
    catalina.write_text("INFO started\n")
    access = tmp_path / "access.log"
    access.write_text("")
    with health_page() as base:
        request = SampleRequest(
            paths=("/", str(catalina.parent)),
            logs=(
                WatchedLog("tomcat", str(catalina), "errors"),
                WatchedLog("nginx", str(access), "access"),
                WatchedLog("gone", str(tmp_path / "nope.log"), "errors"),
            ),
            health=(HealthUrl("direct", f"{base}/health"), HealthUrl("broken", f"{base}/x")),
        )
        first = sample(argv, request)
        assert first.cpus >= 1 and len(first.cpu) == 8 and first.load is not None
        assert first.memory_kb is not None and first.memory_kb[0] > first.memory_kb[1] > 0
        assert [d.path for d in first.disks] == ["/", str(catalina.parent)]
        assert first.logs["tomcat"] is not None and first.logs["tomcat"].matches == 0
        assert first.logs["gone"] is None
        if first.health["direct"] is not None:  # curl is there
            assert first.health["direct"].status == 200
            assert first.health["broken"] is not None and first.health["broken"].status == 500
        with catalina.open("a") as log:
            log.write("SEVERE: boom\njava.lang.IllegalStateException: x\nINFO fine\n")
        with access.open("a") as log:
            line = '10.0.0.1 - - [03/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" {} 5 "-" "-"\n'
            for status in (200, 200, 502, 500):
                log.write(line.format(status))
        request = next_request(request, first)
        second = sample(argv, request)
        tomcat, nginx = second.logs["tomcat"], second.logs["nginx"]
        assert tomcat is not None and (tomcat.matches, tomcat.lines) == (2, 3)
        assert nginx is not None and (nginx.matches, nginx.lines) == (2, 4)
        with catalina.open("a") as log:  # written before the rotation, read from PATH.1
            log.write("SEVERE: just before rotation\nINFO fine\n")
        with access.open("a") as log:
            log.write(line.format(503))
        os.rename(catalina, catalina.with_suffix(".out.1"))  # rotated: a new, shorter file
        catalina.write_text("ERROR after rotation\n")
        os.rename(access, tmp_path / "access.log.1")
        access.write_text(line.format(200))
        request = next_request(request, second)
        third = sample(argv, request)
        tomcat, nginx = third.logs["tomcat"], third.logs["nginx"]
        assert tomcat is not None and (tomcat.matches, tomcat.lines) == (2, 3)
        assert nginx is not None and (nginx.matches, nginx.lines) == (1, 2)
        catalina.write_text("")  # truncated in place (copytruncate), then written again
        catalina.write_text("INFO again\n")
        fourth = sample(argv, next_request(request, third))
        tomcat = fourth.logs["tomcat"]
        assert tomcat is not None and (tomcat.matches, tomcat.lines) == (0, 1)


@pytest.mark.parametrize("argv", _shells())
def test_a_dated_log_is_followed_to_the_next_days_file(argv: list[str], tmp_path: Path) -> None:
    """Tomcat's own logs (localhost.DATE.log) rotate by starting a new file each day: the
    newest file is read, and the rest of the day before once the new one appears."""
    folder = tmp_path / "tomcat logs"
    folder.mkdir()
    (folder / "localhost.2026-12-02.log").write_text("SEVERE: long ago\n")
    today = folder / "localhost.2026-12-03.log"
    today.write_text("INFO started\n")
    (folder / "catalina.2026-12-03.log").write_text("SEVERE: another log\n")
    request = SampleRequest(logs=(WatchedLog("product", f"{folder}/localhost.*.log", "errors"),))
    first = sample(argv, request)
    assert first.logs["product"] is not None and first.logs["product"].size == len("INFO started\n")
    with today.open("a") as log:
        log.write("SEVERE: Servlet.service() threw exception\n")
    request = next_request(request, first)
    (folder / "localhost.2026-12-04.log").write_text("java.lang.IllegalStateException: x\nok\n")
    second = sample(argv, request)
    product = second.logs["product"]
    assert product is not None and (product.matches, product.lines) == (2, 3)
    request = next_request(request, second)
    third = sample(argv, request)
    product = third.logs["product"]
    assert product is not None and (product.matches, product.lines) == (0, 0)
    missing = SampleRequest(logs=(WatchedLog("x", f"{tmp_path}/no folder/x.*.log", "errors"),))
    assert sample(argv, missing).logs["x"] is None


@pytest.mark.parametrize("argv", _shells())
def test_a_log_not_written_yet_is_read_from_its_start_once_it_is(
    argv: list[str], tmp_path: Path
) -> None:
    request = SampleRequest(logs=(WatchedLog("tomcat", f"{tmp_path}/localhost.*.log", "errors"),))
    first = sample(argv, request)
    assert first.logs["tomcat"] is not None and first.logs["tomcat"].lines == 0
    request = next_request(request, first)
    assert sample(argv, request).logs["tomcat"] == first.logs["tomcat"]  # still nothing
    (tmp_path / "localhost.2026-12-04.log").write_text("SEVERE: first\njava.lang.Exception\n")
    found = sample(argv, request).logs["tomcat"]
    assert found is not None and (found.matches, found.lines) == (2, 2)


def test_the_sampler_passes_shellcheck(tmp_path: Path) -> None:
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck not installed (scripts/setup.sh installs it)")
    request = SampleRequest(
        paths=("/", "/srv/a b"),
        logs=(
            WatchedLog("catalina", "/var/log/tomcat10/localhost.*.log", "errors", 5, 10),
            WatchedLog("tomcat", "tomcat10.service", "journal", cursor="s=1;i=2"),
        ),
        health=(HealthUrl("direct", "http://10.0.0.1:8080/erp/health.jsp"),),
    )
    done = subprocess.run(
        ["shellcheck", "-s", "sh", "-"],
        input=build_sampler(request),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


FAKE_JOURNALCTL = """#!/bin/sh
# Answers as journalctl does for the two calls the sampler makes, and logs its arguments.
printf '%s\\n' "$*" >> "$(dirname "$0")/calls"
case "$*" in
    *"-n 1"*) printf 'Started Tomcat.\\n-- cursor: s=ab;i=5\\n' ;;
    *"--after-cursor=s=ab;i=5"*) printf 'SEVERE: boom\\nINFO ok\\n-- cursor: s=ab;i=7\\n' ;;
esac
"""


@pytest.mark.parametrize("argv", _shells())
def test_a_units_journal_is_read_on_from_its_cursor(argv: list[str], tmp_path: Path) -> None:
    """The sampler's side of the journal, with a journalctl that answers from a script: the
    lab proves it against the real one."""
    fake = tmp_path / "bin" / "journalctl"
    fake.parent.mkdir()
    fake.write_text(FAKE_JOURNALCTL)
    fake.chmod(0o755)
    request = SampleRequest(paths=(), logs=(WatchedLog("tomcat", "tomcat10.service", "journal"),))
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}"}

    def sampled(request: SampleRequest) -> HostSample:
        done = subprocess.run(
            argv, input=build_sampler(request), capture_output=True, text=True, env=env, check=True
        )
        return parse_sample(done.stdout)

    first = sampled(request)
    assert first.logs["tomcat"] is not None and first.logs["tomcat"].cursor == "s=ab;i=5"
    request = next_request(request, first)
    second = sampled(request)
    tomcat = second.logs["tomcat"]
    assert tomcat is not None and (tomcat.matches, tomcat.lines, tomcat.cursor) == (
        1,
        2,
        "s=ab;i=7",
    )
    calls = (fake.parent / "calls").read_text().splitlines()
    assert calls == [
        "-u tomcat10.service -n 1 --show-cursor -o cat -q",
        "-u tomcat10.service --after-cursor=s=ab;i=5 --show-cursor -o cat -q",
    ]
