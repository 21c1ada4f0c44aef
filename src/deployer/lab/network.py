"""The lab's network: a bridge on a private subnet, one namespace + veth pair per host.

Hosts get an address on the bridge's subnet and no default route, so the only things
they can reach are each other and the bridge address (where the package proxy listens).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deployer.errors import LabError
from deployer.lab.paths import LabNames, check_ifname
from deployer.lab.processes import run

log = logging.getLogger(__name__)
DEFAULT_SUBNET = "10.213.7.0/24"
FIRST_HOST = 10
NETNS_DIR = Path("/run/netns")


@dataclass(frozen=True)
class Addressing:
    subnet: ipaddress.IPv4Network
    gateway: ipaddress.IPv4Address
    hosts: dict[str, ipaddress.IPv4Address]


def parse_subnet(text: str) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        raise LabError(
            f"--subnet {text}: not an IPv4 network such as 10.213.7.0/24 ({exc})"
        ) from None
    if not isinstance(network, ipaddress.IPv4Network):
        raise LabError(f"--subnet {text}: the lab needs an IPv4 network")
    if not network.is_private:
        raise LabError(f"--subnet {text}: choose a private range (10/8, 172.16/12, 192.168/16)")
    return network


def allocate(subnet: ipaddress.IPv4Network, names: Sequence[str]) -> Addressing:
    """Bridge gets .1; hosts get .10, .11, ... in spec order."""
    base = int(subnet.network_address)
    last_usable = int(subnet.broadcast_address) - 1
    if base + FIRST_HOST + len(names) - 1 > last_usable:
        raise LabError(
            f"subnet {subnet} is too small for {len(names)} hosts "
            f"(they start at .{FIRST_HOST}); choose a larger one, e.g. a /24"
        )
    hosts = {name: ipaddress.IPv4Address(base + FIRST_HOST + i) for i, name in enumerate(names)}
    return Addressing(subnet, ipaddress.IPv4Address(base + 1), hosts)


def overlapping_routes(
    subnet: ipaddress.IPv4Network, routes: Iterable[Mapping[str, Any]]
) -> list[str]:
    """Routes (from ``ip -j route``) whose destination overlaps ``subnet``.

    The default route is left out: it overlaps everything, and the lab's more specific
    route wins over it.
    """
    found: list[str] = []
    for route in routes:
        dst = str(route.get("dst", ""))
        if not dst or dst == "default":
            continue
        try:
            network = ipaddress.ip_network(dst, strict=False)
        except ValueError:
            continue
        if isinstance(network, ipaddress.IPv4Network) and network.overlaps(subnet):
            found.append(f"{dst} dev {route.get('dev', '?')}")
    return found


def _routes() -> list[Mapping[str, Any]]:
    routes: list[Mapping[str, Any]] = json.loads(
        run(["ip", "-j", "route", "show", "table", "all"]) or "[]"
    )
    return routes


def free_subnet(skip: Sequence[str] = ()) -> ipaddress.IPv4Network:
    """The first /24 from the default one upward that no route overlaps (another lab may
    hold the default), other than those in ``skip``."""
    routes = _routes()
    first = parse_subnet(DEFAULT_SUBNET)
    for offset in range(256 - int(first.network_address.packed[2])):
        subnet = ipaddress.IPv4Network((int(first.network_address) + offset * 256, 24))
        if str(subnet) not in skip and not overlapping_routes(subnet, routes):
            return subnet
    raise LabError(f"no free /24 left after {DEFAULT_SUBNET}; choose one with --subnet")


def check_subnet_free(subnet: ipaddress.IPv4Network) -> None:
    clashes = overlapping_routes(subnet, _routes())
    if clashes:
        raise LabError(
            f"subnet {subnet} overlaps the existing route {clashes[0]}; "
            "choose another with --subnet"
        )


def create_bridge(names: LabNames, addressing: Addressing) -> None:
    bridge = check_ifname(names.bridge)
    prefix = addressing.subnet.prefixlen
    run(["ip", "link", "add", bridge, "type", "bridge"])
    # Packets arriving from lab hosts are never routed onward, and the bridge speaks no
    # IPv6, so a host cannot use the machine as a way out even if it adds a route.
    _sysctl(f"net/ipv4/conf/{bridge}/forwarding", "0")
    _sysctl(f"net/ipv6/conf/{bridge}/disable_ipv6", "1")
    run(["ip", "addr", "add", f"{addressing.gateway}/{prefix}", "dev", bridge])
    run(["ip", "link", "set", bridge, "up"])


def create_host_link(
    names: LabNames, index: int, netns: str, address: ipaddress.IPv4Address, prefix: int
) -> None:
    """Namespace ``netns`` with ``eth0`` at ``address``, plugged into the lab bridge."""
    veth, peer = check_ifname(names.veth(index)), check_ifname(names.veth_peer(index))
    run(["ip", "netns", "add", netns])
    run(["ip", "link", "add", veth, "type", "veth", "peer", "name", peer])
    run(["ip", "link", "set", peer, "netns", netns])
    run(["ip", "-n", netns, "link", "set", peer, "name", "eth0"])
    _sysctl(f"net/ipv6/conf/{veth}/disable_ipv6", "1")
    run(["ip", "-n", netns, "addr", "add", f"{address}/{prefix}", "dev", "eth0"])
    run(["ip", "-n", netns, "link", "set", "lo", "up"])
    run(["ip", "-n", netns, "link", "set", "eth0", "up"])
    run(["ip", "link", "set", veth, "master", names.bridge, "up"])


def _sysctl(key: str, value: str) -> None:
    path = Path("/proc/sys") / key
    try:
        path.write_text(value)
    except OSError as exc:
        log.warning("cannot set %s to %s: %s", key, value, exc.strerror)


def existing_links(prefixes: Sequence[str]) -> list[str]:
    links = json.loads(run(["ip", "-j", "link", "show"]) or "[]")
    names = [str(link.get("ifname", "")) for link in links]
    return [n for n in names if any(n.startswith(p) for p in prefixes)]


def existing_netns(prefix: str) -> list[str]:
    with contextlib.suppress(OSError):
        return sorted(p.name for p in NETNS_DIR.iterdir() if p.name.startswith(prefix))
    return []


def delete_netns(name: str) -> None:
    if (NETNS_DIR / name).exists():
        try:
            run(["ip", "netns", "delete", name])
        except LabError:
            if (NETNS_DIR / name).exists():
                raise


def delete_link(name: str) -> None:
    # The kernel tears a veth pair down by itself, asynchronously, once the namespace
    # holding one end dies; the link may vanish between the listing and the delete.
    if name in existing_links([name]):
        try:
            run(["ip", "link", "delete", name])
        except LabError:
            if name in existing_links([name]):
                raise


def delete_all(names: LabNames) -> None:
    """Remove every namespace and interface named for this lab (idempotent)."""
    for netns in existing_netns(names.netns_prefix):
        delete_netns(netns)
    for link in existing_links([names.link_prefix]):
        delete_link(link)
    delete_link(names.bridge)
