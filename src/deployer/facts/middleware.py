"""Tomcat installations and nginx binaries already on the host.

Tomcat's version comes from the cheapest source that answers: ServerInfo.properties inside
catalina.jar (needs unzip), RELEASE-NOTES (tarball installs), the package database (Debian
and RHEL packages), and only then ``version.sh``, which starts a JVM. What those print is
filtered by the shell (``deployer_lines``, ``deployer_read``), not grep: no fork.
"""

from __future__ import annotations

import re
from typing import Literal, cast

from deployer.facts.base import Fact, blocks
from deployer.facts.model import NginxInstall, TomcatInstall

TOMCAT_SH = r"""
deployer_pkg_version() {
  for pkg in "$@"; do
    if command -v dpkg-query >/dev/null 2>&1; then
      v=$($deployer_t dpkg-query -W -f '${db:Status-Abbrev}${Version}' "$pkg" 2>/dev/null)
      case $v in 'ii '*) v=${v#ii } ;; *) v='' ;; esac
    elif command -v rpm >/dev/null 2>&1; then
      v=$($deployer_t rpm -q --qf '%{VERSION}' "$pkg" 2>/dev/null) || v=''
    else
      v=''
    fi
    if [ -n "$v" ]; then printf 'package %s %s\n' "$pkg" "$v"; return 0; fi
  done
  return 1
}
deployer_tomcat() {
  [ -f "$1/lib/catalina.jar" ] || return 0
  deployer_dir "$1"
  h=$deployer_r
  deployer_new "$h" || return 0
  printf '@tomcat %s\n' "$h"
  if command -v unzip >/dev/null 2>&1; then
    info=$($deployer_t unzip -p "$h/lib/catalina.jar" \
      org/apache/catalina/util/ServerInfo.properties 2>/dev/null)
    deployer_lines 1 'serverinfo ' "$info" 'server.number=*' && return 0
  fi
  if [ -r "$h/RELEASE-NOTES" ]; then
    deployer_read 1 "$h/RELEASE-NOTES" '*Apache Tomcat Version [0-9]*'
    printf 'release-notes %s\n' "$deployer_found"
    return 0
  fi
  case $h in
    /usr/share/tomcat[0-9]*)
      n=${h#/usr/share/tomcat}
      deployer_pkg_version "libtomcat$n-java" "tomcat$n" && return 0 ;;
    /usr/share/tomcat) deployer_pkg_version tomcat && return 0 ;;
  esac
  if [ -r "$h/bin/version.sh" ]; then
    out=$($deployer_t sh "$h/bin/version.sh" 2>/dev/null)
    deployer_lines 1 'version.sh ' "$out" 'Server number:*' || printf 'version.sh \n'
  fi
}
if [ -n "${CATALINA_HOME-}" ]; then deployer_tomcat "$CATALINA_HOME"; fi
for d in /usr/share/tomcat* /opt/tomcat* /opt/apache-tomcat* /opt/*/tomcat* \
    /opt/*/apache-tomcat* /usr/local/tomcat* /usr/local/apache-tomcat* /srv/tomcat*; do
  deployer_tomcat "$d"
done
"""

#: A candidate seen before is not resolved again (``command -v nginx`` is one of the others).
NGINX_SH = r"""
deployer_which nginx
for n in "$deployer_w" /usr/sbin/nginx /usr/local/nginx/sbin/nginx \
    /usr/local/openresty/nginx/sbin/nginx /opt/nginx/sbin/nginx /usr/local/tengine/sbin/nginx; do
  [ -n "$n" ] && [ -x "$n" ] && deployer_new "=$n" || continue
  deployer_real "$n"
  r=$deployer_r
  deployer_new "$r" || continue
  printf '@nginx %s\n' "$r"
  out=$($deployer_t "$r" -v 2>&1)
  deployer_lines 3 '' "$out" '*'
done
"""

Source = Literal["serverinfo", "release-notes", "package", "version.sh", "none"]
_TOMCAT_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)*)")
_NGINX_LINE = re.compile(r"version:\s*(?P<product>[A-Za-z][\w-]*)/(?P<version>\d[\w.]*)")
#: Tengine reports its own version and, in parentheses, the nginx core it is built on.
_NGINX_CORE = re.compile(r"\(nginx/(?P<version>\d[\w.]*)\)")


def parse_tomcat(raw: str) -> tuple[TomcatInstall, ...]:
    installs: list[TomcatInstall] = []
    for home, body in blocks(raw, "tomcat"):
        version: str | None = None
        source: Source = "none"
        for line in body:
            kind, _, rest = line.partition(" ")
            match = _TOMCAT_VERSION.search(_after_package_name(kind, rest))
            if kind in ("serverinfo", "release-notes", "package", "version.sh") and match:
                version, source = match.group(1), cast(Source, kind)
                break
        installs.append(TomcatInstall(home=home, version=version, source=source))
    return tuple(installs)


def _after_package_name(kind: str, rest: str) -> str:
    """'package libtomcat10-java 10.1.34-0+deb12u1': skip the name, whose digits mislead."""
    return rest.split(" ", 1)[-1] if kind == "package" else rest


def parse_nginx(raw: str) -> tuple[NginxInstall, ...]:
    installs: list[NginxInstall] = []
    for binary, body in blocks(raw, "nginx"):
        text = "\n".join(line for line in body if line.strip())
        match = _NGINX_LINE.search(text)
        if not match:
            continue  # a binary that does not run here (missing library, wrong arch)
        core = _NGINX_CORE.search(text)
        installs.append(
            NginxInstall(
                binary=binary,
                product=match.group("product").lower(),
                version=(core or match).group("version"),
                raw=text.splitlines()[0],
            )
        )
    return tuple(installs)


FACTS = (
    Fact("tomcat.install", "tomcats", TOMCAT_SH, parse_tomcat),
    Fact("nginx.version", "nginx", NGINX_SH, parse_nginx),
)
