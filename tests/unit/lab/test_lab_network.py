"""Lab addressing and the check that a lab subnet is free."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from deployer.errors import LabError
from deployer.lab.network import allocate, overlapping_routes, parse_subnet
from deployer.lab.paths import IFNAME_MAX, LabNames, cache_dir_from, lab_id_for, state_dir_for

# Shapes of `ip -j route show table all` on a CI machine with a docker bridge.
ROUTES = [
    {"dst": "default", "gateway": "192.0.2.1", "dev": "eth0", "flags": []},
    {"dst": "192.0.2.0/24", "dev": "eth0", "protocol": "kernel", "scope": "link"},
    {"dst": "172.17.0.0/16", "dev": "docker0", "protocol": "kernel", "scope": "link"},
    {"type": "local", "dst": "127.0.0.0/8", "dev": "lo", "table": "local"},
    {"type": "broadcast", "dst": "192.0.2.255", "dev": "eth0", "table": "local"},
    {"type": "unreachable", "dst": "fe80::/64"},
]


def test_default_route_does_not_count_as_overlap() -> None:
    assert overlapping_routes(ipaddress.IPv4Network("10.213.7.0/24"), ROUTES) == []


@pytest.mark.parametrize(
    ("subnet", "clash"),
    [
        ("172.17.5.0/24", "172.17.0.0/16 dev docker0"),
        ("192.0.2.0/25", "192.0.2.0/24 dev eth0"),
        ("172.16.0.0/12", "172.17.0.0/16 dev docker0"),
    ],
)
def test_overlaps_are_named(subnet: str, clash: str) -> None:
    assert overlapping_routes(ipaddress.IPv4Network(subnet), ROUTES)[0] == clash


def test_allocation_bridge_first_then_hosts_in_spec_order() -> None:
    addressing = allocate(parse_subnet("10.213.7.0/24"), ["app1", "db1", "web2"])
    assert str(addressing.gateway) == "10.213.7.1"
    assert {n: str(a) for n, a in addressing.hosts.items()} == {
        "app1": "10.213.7.10",
        "db1": "10.213.7.11",
        "web2": "10.213.7.12",
    }


def test_small_subnet_is_refused() -> None:
    # A /28 holds .10 to .14 below its broadcast address: five hosts.
    with pytest.raises(LabError, match="too small for 6 hosts"):
        allocate(parse_subnet("10.213.7.0/28"), ["a", "b", "c", "d", "e", "f"])
    assert str(allocate(parse_subnet("10.213.7.0/28"), list("abcde")).hosts["e"]) == "10.213.7.14"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10.213.7.1/24", "not an IPv4 network"),
        ("fd00::/64", "needs an IPv4 network"),
        ("8.8.8.0/24", "choose a private range"),
        ("banana", "not an IPv4 network"),
    ],
)
def test_bad_subnets(text: str, message: str) -> None:
    with pytest.raises(LabError, match=message):
        parse_subnet(text)


def test_names_fit_linux_limits() -> None:
    names = LabNames("1a2b3")
    for name in (names.bridge, names.veth(999), names.veth_peer(999)):
        assert len(name) <= IFNAME_MAX
        assert name.startswith("dpl")
    assert names.machine("db_1") == "dpl-1a2b3-db-1"
    assert names.netns("db_1").startswith(names.netns_prefix)


def test_paths() -> None:
    spec = Path("/srv/specs/huadong-production.yml")
    assert state_dir_for(spec) == Path("/srv/specs/.deployer/lab/huadong-production")
    assert len(lab_id_for(spec)) == 5
    assert lab_id_for(spec) != lab_id_for(Path("/srv/specs/other.yml"))
    assert cache_dir_from({"XDG_CACHE_HOME": "/c"}, Path("/root")) == Path("/c/deployer/lab")
    assert cache_dir_from({}, Path("/root")) == Path("/root/.cache/deployer/lab")
