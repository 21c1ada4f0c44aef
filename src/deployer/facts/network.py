"""Listening TCP sockets: ``ss`` when it is there, else /proc/net/tcp{,6} decoded here.

``ss -l`` asks the kernel for listeners only. Reading /proc/net/tcp walks every socket
table bucket whatever the state: on a lab host it took 8 ms where ss took 6.5, most of
which is ss's own start. ``-p`` names each socket's process (the probe user's own, or all
of them as root) by reading every process's open files, which on a busy server costs more
than the rest of the probe. So ss runs without it, and runs again with it only when one of
the ports the product will take (``$deployer_ports``, set by the probe) is already in use:
that is when a name helps the engineer. CentOS 7's ss predates ``-H``, so the header-less
call falls back to the plain one.
"""

from __future__ import annotations

import ipaddress
import re

from deployer.facts.base import Fact, blocks
from deployer.facts.model import Listener

LISTENING_SH = r"""
if out=$(ss -ltnH 2>/dev/null); then
  form=plain flags=-ltnpH
elif out=$(ss -ltn 2>/dev/null); then
  form=header flags=-ltnp
fi
if [ -n "${form-}" ]; then
  for p in $deployer_ports; do
    case $out in *":$p "*) named=$(ss "$flags" 2>/dev/null) && out=$named && break ;; esac
  done
  printf '@ss %s\n%s\n' "$form" "$out"
else
  for f in tcp tcp6; do
    if [ -r "/proc/net/$f" ]; then printf '@proc %s\n' "$f"; cat "/proc/net/$f"; fi
  done
fi
"""

_TCP_LISTEN = "0A"
_PROCESS = re.compile(r'users:\(\("([^"]+)"')


def parse_listening(raw: str) -> tuple[Listener, ...]:
    found: dict[tuple[str, int], Listener] = {}
    sections = blocks(raw, "ss") + blocks(raw, "proc")
    if not sections:
        raise ValueError("neither ss nor /proc/net/tcp answered")
    for header, body in sections:
        parse = _proc_line if header in ("tcp", "tcp6") else _ss_line
        for line in body:
            listener = parse(line)
            if listener is not None:
                key = (listener.address, listener.port)
                if key not in found or found[key].process is None:
                    found[key] = listener
    return tuple(sorted(found.values(), key=lambda item: (item.port, item.address)))


def _ss_line(line: str) -> Listener | None:
    fields = line.split()
    if len(fields) < 4 or fields[0] in ("State", "Recv-Q", "Netid"):
        return None
    # "LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(...)"; older ss omit the State column.
    local = fields[3] if not fields[0].isdigit() else fields[2]
    address, _, port = local.rpartition(":")
    if not port.isdigit():
        return None
    process = _PROCESS.search(line)
    return Listener(
        address=_clean_address(address),
        port=int(port),
        process=process.group(1) if process else None,
    )


def _clean_address(address: str) -> str:
    address = address.strip("[]").split("%", 1)[0]
    return "*" if address in ("", "*") else address


def _proc_line(line: str) -> Listener | None:
    fields = line.split()
    if len(fields) < 4 or fields[0] == "sl" or fields[3] != _TCP_LISTEN:
        return None
    hex_address, _, hex_port = fields[1].partition(":")
    return Listener(address=_decode_address(hex_address), port=int(hex_port, 16))


def _decode_address(hex_address: str) -> str:
    """/proc/net/tcp prints each 32-bit word in host order; every supported arch is LE."""
    words = [bytes.fromhex(hex_address[i : i + 8])[::-1] for i in range(0, len(hex_address), 8)]
    packed = b"".join(words)
    if len(packed) == 4:
        return str(ipaddress.IPv4Address(packed))
    if len(packed) == 16:
        return str(ipaddress.IPv6Address(packed))
    raise ValueError(f"unexpected address {hex_address!r} in /proc/net/tcp")


FACTS = (Fact("net.listening", "listening", LISTENING_SH, parse_listening),)
