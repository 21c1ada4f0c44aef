"""Installed packages and their versions, from dpkg or rpm, for the rollback of a run."""

from __future__ import annotations

# One line per installed package: name, a tab, its version (with epoch when it has one).
# dpkg lists removed-but-configured packages too; only "ii" (installed, ok) counts.
PACKAGES_SH = r"""
if command -v dpkg-query >/dev/null 2>&1; then
  dpkg-query -W -f '${db:Status-Abbrev}\t${binary:Package}\t${Version}\n' | sed -n 's/^ii *\t//p'
elif command -v rpm >/dev/null 2>&1; then
  rpm -qa --qf '%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n'
else
  echo 'no dpkg-query or rpm on this host' >&2
  exit 3
fi
"""


def parse_packages(raw: str) -> dict[str, str]:
    """Package name to version; lines that are not ``name<TAB>version`` are skipped."""
    found: dict[str, str] = {}
    for line in raw.splitlines():
        name, _, version = line.strip().partition("\t")
        if name and version:
            found[name] = version
    return found
