"""JDKs and JREs on the host: the one on PATH, JAVA_HOME, and the usual install folders.

A JDK's ``release`` file is read when present (instant, and it names the vendor); only
installs without one run ``java -version``, under the probe's timeout.
"""

from __future__ import annotations

import re
from typing import Literal

from deployer.facts.base import Fact, blocks
from deployer.facts.model import JdkInstall
from deployer.facts.osinfo import parse_assignments

#: The release file is read by the shell in one pass (it was grep -q, then grep) and the head
#: of java -version's output taken by it too: forks are what the probe costs.
JAVA_SH = r"""
deployer_java() {
  [ -n "$1" ] && [ -x "$1" ] && [ ! -d "$1" ] || return 0
  deployer_real "$1"
  r=$deployer_r
  if ! deployer_new "$r"; then printf '@also %s %s\n' "$2" "$r"; return 0; fi
  printf '@java %s %s\n' "$2" "$r"
  h=${r%/bin/java}
  for rel in "$h/release" "${h%/jre}/release"; do
    deployer_read -1 "$rel" 'JAVA_VERSION=*' 'IMPLEMENTOR=*' 'IMPLEMENTOR_VERSION=*' \
      'JAVA_RUNTIME_VERSION=*' || continue
    case $deployer_nl$deployer_found in
      *"${deployer_nl}JAVA_VERSION="*) printf '%s\n' "$deployer_found"; return 0 ;;
    esac
  done
  out=$($deployer_t "$r" -version 2>&1)
  deployer_lines 5 '' "$out" '*'
}
deployer_which java
deployer_java "$deployer_w" path
if [ -n "${JAVA_HOME-}" ]; then deployer_java "$JAVA_HOME/bin/java" java_home; fi
for d in /usr/lib/jvm/* /usr/java/* /usr/local/java/* /opt/java/* /opt/*jdk* /opt/*jre* \
    /usr/local/*jdk* /usr/local/*jre*; do
  deployer_java "$d/bin/java" scan
done
"""

Origin = Literal["path", "java_home", "scan"]
_ORIGINS: tuple[Origin, ...] = ("path", "java_home", "scan")
_VERSION_LINE = re.compile(r'^(?P<product>\S+) version "(?P<version>[^"]+)"', re.MULTILINE)
_VENDOR_HINTS = (
    ("temurin", "Eclipse Adoptium"),
    ("adoptopenjdk", "AdoptOpenJDK"),
    ("zulu", "Azul Systems"),
    ("corretto", "Amazon"),
    ("dragonwell", "Alibaba"),
    ("bisheng", "Huawei"),
    ("kona", "Tencent"),
    ("graalvm", "GraalVM"),
    ("java(tm)", "Oracle"),
    ("debian", "Debian"),
    ("ubuntu", "Ubuntu"),
    ("red_hat", "Red Hat"),
    ("redhat", "Red Hat"),
)


def java_major(version: str) -> int | None:
    """'1.8.0_392' -> 8, '17.0.15' -> 17, '21' -> 21, '25-ea' -> 25."""
    match = re.match(r"(\d+)(?:\.(\d+))?", version.strip())
    if not match:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2) is not None:
        return int(match.group(2))
    return major


def parse_java(raw: str) -> tuple[JdkInstall, ...]:
    installs: list[JdkInstall] = []
    extra_origins: dict[str, list[Origin]] = {}
    for header in (h for h, _ in blocks(raw, "also")):
        origin, _, path = header.partition(" ")
        extra_origins.setdefault(path, []).append(_origin(origin))
    for header, body in blocks(raw, "java"):
        origin, _, java = header.partition(" ")
        install = _install(java, "\n".join(body))
        if install is None:
            continue
        origins = {_origin(origin), *extra_origins.get(java, [])}
        installs.append(
            install.model_copy(update={"origins": tuple(o for o in _ORIGINS if o in origins)})
        )
    return tuple(installs)


def _origin(text: str) -> Origin:
    return next((origin for origin in _ORIGINS if origin == text), "scan")


def _install(java: str, text: str) -> JdkInstall | None:
    home = java.removesuffix("/bin/java").removesuffix("/jre")
    release = parse_assignments(text)
    if release.get("JAVA_VERSION"):
        version = release["JAVA_VERSION"]
        vendor_text = " ".join(
            release.get(k, "") for k in ("IMPLEMENTOR", "IMPLEMENTOR_VERSION")
        ).strip()
        vendor = release.get("IMPLEMENTOR") or _vendor(vendor_text)
    else:
        match = _VERSION_LINE.search(text)
        if not match:
            return None  # not a working java (broken install, wrong arch ...)
        version = match.group("version")
        vendor = _vendor(text)
    return JdkInstall(
        home=home, java=java, version=version, major=java_major(version), vendor=vendor
    )


def _vendor(text: str) -> str | None:
    lowered = text.lower()
    hint = next((name for key, name in _VENDOR_HINTS if key in lowered), None)
    if hint is None and "openjdk" in lowered:
        return "OpenJDK"
    return hint


FACTS = (Fact("java.installs", "jdks", JAVA_SH, parse_java),)
