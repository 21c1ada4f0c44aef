"""Optional nftables rules: from the lab bridge, only the package proxy is reachable.

Without them hosts already have no route out and the bridge forwards nothing; the rules
add that a host cannot reach other services of the machine on the bridge address. An
offline lab has no proxy, so nothing on the machine is reachable from the bridge at all.
"""

from __future__ import annotations

import logging
import shutil

from deployer.errors import LabError
from deployer.lab.processes import run

log = logging.getLogger(__name__)


def ruleset(table: str, bridge: str, gateway: str, proxy_port: int | None) -> str:
    """An ``inet`` table that drops everything from the bridge but the proxy (if any)."""
    proxy = f'    iifname "{bridge}" ip daddr {gateway} tcp dport {proxy_port} accept\n'
    if proxy_port is None:
        proxy = ""
    return (
        f"table inet {table} {{\n"
        "  chain input {\n"
        "    type filter hook input priority 0; policy accept;\n"
        f'    iifname "{bridge}" ct state established,related accept\n'
        f"{proxy}"
        f'    iifname "{bridge}" drop\n'
        "  }\n"
        "  chain forward {\n"
        "    type filter hook forward priority 0; policy accept;\n"
        # With br_netfilter, traffic between two hosts on the bridge passes here too.
        f'    iifname "{bridge}" oifname "{bridge}" accept\n'
        f'    iifname "{bridge}" drop\n'
        "  }\n"
        "}\n"
    )


def available() -> bool:
    return shutil.which("nft") is not None


def install(table: str, bridge: str, gateway: str, proxy_port: int | None) -> bool:
    """Load the rules; False (and a log line) where nftables is missing or refuses."""
    if not available():
        log.info("nft not found: lab hosts rely on having no route out")
        return False
    try:
        run(["nft", "-f", "-"], input_text=ruleset(table, bridge, gateway, proxy_port))
    except LabError as exc:  # a second fence: the lab works without it
        log.warning("could not load nftables rules for the lab: %s", exc)
        return False
    return True


def remove(table: str) -> None:
    if table and available():
        listed = run(["nft", "list", "tables"], check=False)
        if f"table inet {table}" in (line.strip() for line in listed.splitlines()):
            run(["nft", "delete", "table", "inet", table])
