"""The product role's health_wait module, against a health page served on this machine's
loopback: which answers count, and what a failure says."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from tests.support.role_modules import role_module


def module() -> Any:
    return role_module("product", "deployer_release", "module_utils")


class _Page(BaseHTTPRequestHandler):
    answer: tuple[int, bytes] = (200, b"{}")

    def do_GET(self) -> None:
        status, body = self.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet: the test reads what the module makes of the page."""


@pytest.fixture
def page() -> Iterator[tuple[str, type[_Page]]]:
    handler = type("Page", (_Page,), {})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/erp/health", handler
    finally:
        server.shutdown()
        server.server_close()


def test_a_503_that_shows_the_version_is_an_answer(page: tuple[str, type[_Page]]) -> None:
    m = module()
    url, handler = page
    handler.answer = (503, json.dumps({"version": "1.0", "database": "unreachable"}).encode())
    status, found, error = m.read_page(url, 5)
    assert (status, found, error) == (503, {"version": "1.0", "database": "unreachable"}, "")
    assert m.shows(status, found, "1.0", require_database=False)
    assert not m.shows(status, found, "1.0", require_database=True)
    assert not m.shows(status, found, "1.1", require_database=False)
    assert m.describe(status, found, error) == "HTTP 503, version '1.0', database 'unreachable'"


def test_a_page_that_is_not_json_or_another_status_is_no_answer(
    page: tuple[str, type[_Page]],
) -> None:
    m = module()
    url, handler = page
    handler.answer = (200, b"<html>starting</html>")
    status, found, error = m.read_page(url, 5)
    assert (status, found) == (200, {})
    assert error.startswith("not JSON: <html>")
    assert not m.shows(status, found, "1.0", require_database=False)
    handler.answer = (404, json.dumps({"version": "1.0"}).encode())
    status, found, _ = m.read_page(url, 5)
    assert not m.shows(status, found, "1.0", require_database=False)


def test_a_port_nothing_listens_on_is_no_answer_and_says_why() -> None:
    m = module()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the read: refused
    status, found, error = m.read_page(f"http://127.0.0.1:{port}/health", 5)
    assert (status, found) == (0, {})
    assert m.describe(status, found, error).startswith("no answer (")


def test_the_wait_ends_with_the_answer_or_with_the_last_one_it_had(
    page: tuple[str, type[_Page]],
) -> None:
    m = module()
    url, handler = page
    handler.answer = (200, json.dumps({"version": "1.0", "database": "reachable"}).encode())
    asked = {"url": url, "version": "1.0", "require_database": True, "interval": 0.01}
    shown, answer, failure = m.wait_healthy({**asked, "timeout": 5, "request_timeout": 5})
    assert (shown, answer["status"], answer["attempts"], failure) == (True, 200, 1, "")
    handler.answer = (302, b"")  # a redirect is not followed: it is no answer
    shown, answer, failure = m.wait_healthy({**asked, "timeout": 0, "request_timeout": 5})
    assert not shown
    assert failure == f"{url} did not show version 1.0 within 0 s; last: HTTP 302, not JSON: "
