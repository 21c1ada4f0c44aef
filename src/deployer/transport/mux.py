"""Ending a shared SSH connection through its control socket, without starting an ssh.

``ssh -O exit`` is a whole ssh client started to send two short messages of OpenSSH's
connection-sharing protocol (PROTOCOL.mux in OpenSSH's sources, protocol version 4): a hello,
then MUX_C_TERMINATE, which the master obeys by exiting. A run that shared connections with
a fleet started one such client per host at its end; sending the messages from this process
costs a socket each instead.
"""

from __future__ import annotations

import enum
import socket
import struct
import time
from collections.abc import Iterable
from pathlib import Path

MUX_MSG_HELLO = 0x00000001
MUX_C_TERMINATE = 0x10000005
MUX_S_OK = 0x80000001
MUX_VERSION = 4
_REQUEST_ID = 1
_MAX_PACKET = 256 * 1024


class Ended(enum.Enum):
    """What asking a master to end came to."""

    ENDED = "ended"  # the master said yes and is going away
    GONE = "gone"  # no master listens there any more: nothing to end
    UNANSWERED = "unanswered"  # something else happened: ask again the usual way


def packet(*words: int) -> bytes:
    """A mux packet of uint32 fields, preceded by its length (SSH wire format)."""
    body = struct.pack(f">{len(words)}I", *words)
    return struct.pack(">I", len(body)) + body


#: The client's hello and its one request.
_REQUEST = packet(MUX_MSG_HELLO, MUX_VERSION) + packet(MUX_C_TERMINATE, _REQUEST_ID)


def terminate(control_socket: Path, timeout: float = 5.0) -> Ended:
    """Ask the master listening on ``control_socket`` to end now. A master answers at once:
    ``timeout`` only bounds one that is wedged."""
    return terminate_all([control_socket], timeout)[control_socket]


def terminate_all(control_sockets: Iterable[Path], timeout: float = 5.0) -> dict[Path, Ended]:
    """``terminate`` for many masters at once: every request is sent before any answer is
    read, so the masters wind down side by side. A master's answer is its exit, 2-3 ms
    each: one after the other, a hundred of them took a quarter of a second."""
    deadline = time.monotonic() + timeout
    ended: dict[Path, Ended] = {}
    asked: list[tuple[Path, socket.socket]] = []
    try:
        for path in control_sockets:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                conn.settimeout(max(0.001, deadline - time.monotonic()))
                conn.connect(str(path))
                conn.sendall(_REQUEST)
            except (FileNotFoundError, ConnectionRefusedError):
                conn.close()
                ended[path] = Ended.GONE
            except OSError:
                conn.close()
                ended[path] = Ended.UNANSWERED
            else:
                asked.append((path, conn))
        for path, conn in asked:
            conn.settimeout(max(0.001, deadline - time.monotonic()))
            ended[path] = _answer(conn)
    finally:
        for _, conn in asked:
            conn.close()
    return ended


def _answer(conn: socket.socket) -> Ended:
    """What the master made of the request: its hello, then OK or its exit."""
    try:
        hello = _read_packet(conn)
        if hello is None or hello[:8] != struct.pack(">II", MUX_MSG_HELLO, MUX_VERSION):
            return Ended.UNANSWERED
        answer = _read_packet(conn)
    except OSError:
        return Ended.UNANSWERED
    if answer is None or answer[:8] == struct.pack(">II", MUX_S_OK, _REQUEST_ID):
        return Ended.ENDED
    return Ended.UNANSWERED


def _read_packet(conn: socket.socket) -> bytes | None:
    """The next packet's body; None when the peer closed the socket before it began."""
    head = _read_exactly(conn, 4)
    if not head:
        return None
    (length,) = struct.unpack(">I", head)
    if length > _MAX_PACKET:
        raise OSError(f"a mux packet of {length} bytes")
    body = _read_exactly(conn, length)
    if len(body) < length:
        raise ConnectionResetError("the master closed the socket within a packet")
    return body


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    """``size`` bytes, or fewer if the peer closes the socket first."""
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data
