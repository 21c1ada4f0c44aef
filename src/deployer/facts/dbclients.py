"""Database software installed on the host: MySQL/MariaDB client and server, Oracle homes.

These come from the binaries (``mysqld --version``, ``sqlplus -V``); the server's own
settings come over a real connection instead (see ``database.DatabaseFacts``).
"""

from __future__ import annotations

import re

from deployer.facts.base import Fact, blocks, lines
from deployer.facts.model import MysqlInstall, OracleFacts, OracleHome

MYSQL_CLIENT_SH = r"""
for c in mysql mariadb; do
  deployer_which "$c" || continue
  p=$deployer_w
  deployer_real "$p"
  r=$deployer_r
  deployer_new "$r" || continue
  printf '@bin %s\n' "$r"
  out=$($deployer_t "$r" --version 2>&1)
  deployer_lines 1 '' "$out" '*'
done
"""

#: A candidate seen before is not resolved again: ``command -v`` finds one of the others.
MYSQL_SERVER_SH = r"""
deployer_which mysqld
mysqld=$deployer_w
deployer_which mariadbd
for s in "$mysqld" "$deployer_w" \
    /usr/sbin/mysqld /usr/sbin/mariadbd /usr/libexec/mysqld /usr/libexec/mariadbd \
    /usr/local/mysql/bin/mysqld /opt/mysql/bin/mysqld; do
  [ -n "$s" ] && [ -x "$s" ] && deployer_new "=$s" || continue
  deployer_real "$s"
  r=$deployer_r
  deployer_new "$r" || continue
  printf '@bin %s\n' "$r"
  out=$($deployer_t "$r" --version 2>&1)
  deployer_lines 1 '' "$out" '*'
done
"""

#: The home of a sqlplus on PATH is two folders up, cut by the shell (not dirname twice).
ORACLE_SH = r"""
deployer_sqlplus() {
  [ -n "$1" ] && [ -x "$1/bin/sqlplus" ] || return 0
  deployer_new "$1" || return 0
  printf '@home %s\n' "$1"
  out=$(ORACLE_HOME=$1 LD_LIBRARY_PATH=$1/lib $deployer_t "$1/bin/sqlplus" -V </dev/null 2>&1)
  deployer_lines 3 '' "$out" '*Release*' '*Version*'
}
if [ -n "${ORACLE_HOME-}" ]; then printf 'env %s\n' "$ORACLE_HOME"; fi
if [ -r /etc/oratab ]; then
  while IFS=: read -r sid home rest; do
    case $sid in '' | '#'* | *' '*) continue ;; esac
    printf 'oratab %s\t%s\n' "$sid" "$home"
    deployer_sqlplus "$home"
  done </etc/oratab
fi
deployer_sqlplus "${ORACLE_HOME-}"
if deployer_which sqlplus; then
  p=$deployer_w
  p=${p%/*}
  p=${p%/*}
  deployer_sqlplus "${p:-/}"
fi
for h in /u01/app/oracle/product/*/* /opt/oracle/product/*/*; do deployer_sqlplus "$h"; done
"""

_CLIENT_VERSION = (
    re.compile(r"\bDistrib\s+(\S+?),"),
    re.compile(r"\bfrom\s+(\d\S*?),"),
    re.compile(r"\bVer\s+(\d\S*)"),
)
_ORACLE_VERSION = (re.compile(r"\bVersion\s+(\d[\d.]*)"), re.compile(r"\bRelease\s+(\d[\d.]*)"))


def mysql_version(text: str) -> tuple[str, str]:
    """('10.11.19-MariaDB', 'mariadb') from a ``mysql --version`` / ``mysqld --version`` line."""
    for pattern in _CLIENT_VERSION:
        match = pattern.search(text)
        if match:
            version = match.group(1)
            engine = "mariadb" if "mariadb" in text.lower() else "mysql"
            return version, engine
    raise ValueError(f"no version in {text.strip()!r}")


def parse_mysql_binaries(raw: str) -> tuple[MysqlInstall, ...]:
    found: list[MysqlInstall] = []
    for binary, body in blocks(raw, "bin"):
        text = next((line for line in body if line.strip()), "")
        try:
            version, engine = mysql_version(text)
        except ValueError:
            continue  # a binary that does not run here
        found.append(
            MysqlInstall(
                binary=binary,
                engine="mariadb" if engine == "mariadb" else "mysql",
                version=version,
                raw=text.strip(),
            )
        )
    return tuple(found)


def parse_oracle(raw: str) -> OracleFacts:
    sids: dict[str, list[str]] = {}
    env_home = None
    for line in lines(raw):
        if line.startswith("oratab "):
            sid, _, home = line.removeprefix("oratab ").partition("\t")
            sids.setdefault(home.strip(), []).append(sid.strip())
        elif line.startswith("env "):
            env_home = line.removeprefix("env ").strip()
    versions = {home: _oracle_version(body) for home, body in blocks(raw, "home")}
    homes = [*sids, *(h for h in versions if h not in sids)]
    return OracleFacts(
        homes=tuple(
            OracleHome(home=h, sids=tuple(sids.get(h, ())), version=versions.get(h)) for h in homes
        ),
        env_home=env_home,
    )


def _oracle_version(body: list[str]) -> str | None:
    text = "\n".join(line for line in body if not line.startswith(("oratab ", "env ")))
    for pattern in _ORACLE_VERSION:
        match = pattern.search(text)
        if match:
            return match.group(1).rstrip(".")
    return None


FACTS = (
    Fact("mysql.client", "mysql_clients", MYSQL_CLIENT_SH, parse_mysql_binaries),
    Fact("mysql.server", "mysql_servers", MYSQL_SERVER_SH, parse_mysql_binaries),
    Fact("oracle.home", "oracle", ORACLE_SH, parse_oracle),
)
