"""A chat robot served on loopback by the test itself: it records what it is posted and
answers with the status it is given. Its address carries a fake token (t0k3n), as robots'
addresses do, for checking that it is never recorded."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def robot(status: int = 200) -> Iterator[tuple[str, list[Any]]]:
    received: list[Any] = []

    class Robot(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length).decode("utf-8")))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/robot/send?access_token=t0k3n", received
    finally:
        server.shutdown()
        server.server_close()
