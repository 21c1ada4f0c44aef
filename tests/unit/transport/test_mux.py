"""Ending a shared connection through its control socket, against a stand-in master speaking
the connection-sharing protocol on a real Unix socket (the lab tests end real masters)."""

from __future__ import annotations

import contextlib
import socket
import struct
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from deployer.transport import mux
from deployer.transport.ssh import close_masters


@pytest.fixture
def folder() -> Iterator[Path]:
    # A Unix socket's path must fit in about 100 bytes: pytest's tmp_path may not.
    with tempfile.TemporaryDirectory(prefix="mux-", dir="/tmp") as name:
        yield Path(name)


def read_packet(conn: socket.socket) -> tuple[int, ...]:
    (length,) = struct.unpack(">I", conn.recv(4, socket.MSG_WAITALL))
    body = conn.recv(length, socket.MSG_WAITALL)
    return struct.unpack(f">{length // 4}I", body)


def master(path: Path, hello: bytes, answer: bytes) -> list[tuple[int, ...]]:
    """Listen on ``path`` for one client; record what it sends and answer as told."""
    heard: list[tuple[int, ...]] = []
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def serve() -> None:
        conn, _ = server.accept()
        with conn, server:
            conn.sendall(hello)
            heard.append(read_packet(conn))
            heard.append(read_packet(conn))
            # A client that did not like the hello has gone already: nobody to answer.
            with contextlib.suppress(BrokenPipeError):
                conn.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    return heard


HELLO = mux.packet(mux.MUX_MSG_HELLO, mux.MUX_VERSION)


@pytest.mark.parametrize(
    "answer", [mux.packet(mux.MUX_S_OK, 1), b""], ids=["says-yes", "exits-before-saying-it"]
)
def test_a_master_that_obeys_has_ended(folder: Path, answer: bytes) -> None:
    heard = master(folder / "sock", HELLO, answer)
    assert mux.terminate(folder / "sock") is mux.Ended.ENDED
    assert heard == [(mux.MUX_MSG_HELLO, 4), (mux.MUX_C_TERMINATE, 1)]


def test_no_master_behind_the_path_is_nothing_to_end(folder: Path) -> None:
    assert mux.terminate(folder / "missing") is mux.Ended.GONE
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(folder / "stale"))
    stale.close()  # a socket file nobody listens on: what a killed master leaves
    assert mux.terminate(folder / "stale") is mux.Ended.GONE


@pytest.mark.parametrize(
    ("hello", "answer"),
    [
        (HELLO, mux.packet(0x80000002, 1, 0)),  # MUX_S_PERMISSION_DENIED, empty reason
        (mux.packet(mux.MUX_MSG_HELLO, 5), mux.packet(mux.MUX_S_OK, 1)),  # another version
        (HELLO, mux.packet(mux.MUX_S_OK, 1)[:6]),  # closed within a packet
        (b"", b""),  # closed before its hello
    ],
    ids=["denied", "other-version", "cut-short", "no-hello"],
)
def test_any_other_answer_is_unanswered(folder: Path, hello: bytes, answer: bytes) -> None:
    master(folder / "sock", hello, answer)
    assert mux.terminate(folder / "sock") is mux.Ended.UNANSWERED


def test_close_masters_ends_each_master_in_the_folder(folder: Path) -> None:
    heard = [master(folder / name, HELLO, mux.packet(mux.MUX_S_OK, 1)) for name in "ab"]
    (folder / "not-a-socket").write_text("")
    close_masters(folder)
    assert [len(h) for h in heard] == [2, 2]


def test_every_master_is_asked_before_any_answer_is_awaited(folder: Path) -> None:
    """The first master answers only once the second has heard its request: asked one
    after the other, the first answer would never come and both would be unanswered."""
    second_heard = threading.Event()
    first = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    first.bind(str(folder / "a"))
    first.listen(1)
    heard_second = master(folder / "b", HELLO, mux.packet(mux.MUX_S_OK, 1))

    def serve_first() -> None:
        conn, _ = first.accept()
        with conn, first:
            read_packet(conn)
            read_packet(conn)
            second_heard.wait(5)
            conn.sendall(HELLO + mux.packet(mux.MUX_S_OK, 1))

    threading.Thread(target=serve_first, daemon=True).start()

    def watch() -> None:
        while len(heard_second) < 2:
            threading.Event().wait(0.005)
        second_heard.set()

    threading.Thread(target=watch, daemon=True).start()
    ended = mux.terminate_all([folder / "a", folder / "b", folder / "missing"], timeout=3)
    assert ended == {
        folder / "a": mux.Ended.ENDED,
        folder / "b": mux.Ended.ENDED,
        folder / "missing": mux.Ended.GONE,
    }


def test_close_masters_of_a_folder_that_is_not_there_does_nothing(folder: Path) -> None:
    close_masters(folder / "none")
