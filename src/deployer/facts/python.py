"""Every Python on the host that could run Ansible's modules: ``python.interpreters``.

Ansible needs a Python on each managed host, and which one decides the engine: EL7 has 2.7
and 3.6, EL8 hides 3.6 as ``/usr/libexec/platform-python``, Kylin V10, UOS 20 and openEuler
20.03 ship 3.7, current Debian 3.11+. A broken or foreign binary is never reported as an
interpreter: each candidate is run with ``-V``, which loads the binary and its libraries but
starts no interpreter (2 ms rather than 13), and its standard library must be where the
interpreter itself looks for it (``os.py`` under ``PREFIX/lib`` or ``PREFIX/lib64``, PREFIX
two levels above the resolved binary). A candidate whose library is elsewhere (a zipped or
relocated install) is started in full, printing its version, as before.
"""

from __future__ import annotations

import re

from deployer.facts.base import Fact, lines
from deployer.facts.model import PythonInstall

#: Candidates in order of preference for the same version: the system's own first.
PYTHON_SH = r"""
deployer_py() {
  case "$1" in *-config) return 0 ;; esac
  [ -x "$1" ] && [ ! -d "$1" ] || return 0
  # python3 is usually a link to python3.X beside it: the file it is (-ef) is found without
  # starting readlink. posh's test lacks -ef; it falls back to deployer_real.
  r=''
  if [ -L "$1" ]; then
    for c in "${1%/*}"/*python[0-9]*; do
      # shellcheck disable=SC3013 # where test lacks -ef, readlink answers below
      if [ ! -L "$c" ] && [ "$1" -ef "$c" ]; then
        deployer_dir "${1%/*}"
        r=${deployer_r%/}/${c##*/}
        break
      fi
    done
  fi
  if [ -z "$r" ]; then
    deployer_real "$1"
    r=$deployer_r
  fi
  deployer_new "$r" || return 0
  v=$("$1" -V 2>&1) || return 0
  case $v in
    "Python "[0-9]*.[0-9]*.[0-9]*) v=${v#Python } ;;
    *) return 0 ;;
  esac
  home=${r%/*}
  home=${home%/*}/lib
  if [ ! -f "$home/python${v%.*}/os.py" ] && [ ! -f "${home}64/python${v%.*}/os.py" ]; then
    v=$($deployer_t "$1" -c 'import sys; print("%d.%d.%d" % tuple(sys.version_info[:3]))') ||
      return 0
  fi
  printf '%s %s %s\n' "$1" "$r" "$v"
}
for p in /usr/bin/python3 /usr/libexec/platform-python /usr/bin/python3.[0-9]* \
    /usr/local/bin/python3 /usr/local/bin/python3.[0-9]* /usr/bin/python2 /usr/bin/python2.7 \
    /usr/bin/python; do
  deployer_py "$p"
done
"""

_LINE = re.compile(
    r"^(?P<path>/\S+) (?P<real>/\S+) (?P<version>(?P<major>\d+)\.(?P<minor>\d+)\.\d+)\S*$"
)


def parse_pythons(raw: str) -> tuple[PythonInstall, ...]:
    """``path resolved-path X.Y.Z`` per interpreter, in the snippet's order of preference; a
    pre-release's suffix (``-V`` prints ``3.13.0rc1``) is dropped."""
    found = []
    for line in lines(raw):
        match = _LINE.match(line.strip())
        if match is None:
            raise ValueError(f"not 'path resolved version': {line!r}")
        found.append(
            PythonInstall(
                path=match["path"],
                real=match["real"],
                version=match["version"],
                major=int(match["major"]),
                minor=int(match["minor"]),
            )
        )
    return tuple(found)


FACTS = (Fact("python.interpreters", "pythons", PYTHON_SH, parse_pythons),)


#: How each package manager installs python3 from the host's own repositories (OS media,
#: the site's mirror), as root: the scan's remediation and what --bootstrap-python runs.
#: Debian's python3-apt too: Ansible's apt module needs it (in check mode it cannot install it).
INSTALL_PYTHON: dict[str, str] = {
    "apt": "apt-get install -y python3 python3-apt",
    "dnf": "dnf install -y python3",
    "yum": "yum install -y python3",
}


def install_python_command(pkg_manager: str | None) -> str | None:
    """The command installing python3 with ``pkg_manager``; None where deployer knows none."""
    return INSTALL_PYTHON.get(pkg_manager or "")
