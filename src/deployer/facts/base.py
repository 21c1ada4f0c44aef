"""A fact is a declaration: the sh snippet that collects it and a pure parser of its output.

Snippets run inside the probe (see ``probe.py``), which provides them with:

* ``PATH`` extended with the sbin directories a non-interactive SSH session often lacks;
* ``LC_ALL=C`` so tools print parseable English (the session's own locale is kept in
  ``deployer_lang`` and ``deployer_lc_all``);
* ``$deployer_t``: ``timeout 5`` when coreutils' timeout exists, else empty, to put in front
  of any program that could hang (``java``, ``timedatectl``, ``sudo -n`` ...);
* ``deployer_real PATH``, which sets ``$deployer_r`` to PATH with symlinks resolved, and
  ``deployer_new KEY`` (true the first time a key is seen in this section), for
  de-duplicating installations found by several routes, and ``deployer_which NAME``
  (``$deployer_w``: what ``command -v NAME`` would print for a program, without the fork
  that capturing it costs);
* ``deployer_read MAX FILE GLOB...`` (``$deployer_found``: up to MAX lines of FILE matching a
  case glob) and ``deployer_lines MAX PREFIX TEXT GLOB...`` (print such lines of TEXT), to
  use instead of ``cat``, ``head`` and ``grep``: every program the probe starts costs a fork
  and an exec on every host, the shell's ``read`` and ``case`` cost none (see ``prelude.py``);
  ``$deployer_nl`` holds a newline;
* the ``deployer_*`` variables a fact's ``shared`` steps set;
* stdin from /dev/null and stderr discarded, and a fresh start per section: the variables
  any snippet assigns unset, ``$@`` empty unless ``uses_paths`` (sections are ``{ }`` groups
  in the probe's shell, not subshells, so a snippet must not ``exit`` or change a setting).

Snippets must be POSIX sh (dash, bash as sh, busybox ash, posh), tolerate missing tools,
never prompt and never write anything. Parsers raise ``ValueError`` for output they cannot
read; the probe turns that into an *unknown* fact, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Shared:
    """A value several facts need, computed once per probe rather than once per section: in
    the probe's own shell (sections run in it and see it), just before the first
    section that needs it. ``command`` sets ``deployer_*`` variables and prints nothing."""

    name: str
    command: str


@dataclass(frozen=True)
class Fact:
    """One fact: stable dotted id, the ``HostFacts`` field it fills, snippet and parser."""

    id: str
    field: str
    command: str
    parse: Callable[[str], Any]
    #: The snippet reads the disk paths to check from "$@" (set by the probe, quoted).
    uses_paths: bool = False
    #: Steps whose variables the snippet reads, computed by the probe before the section.
    shared: tuple[Shared, ...] = ()


def lines(raw: str) -> list[str]:
    """Non-empty lines, right-stripped."""
    return [line.rstrip() for line in raw.splitlines() if line.strip()]


def tagged(raw: str) -> dict[str, list[str]]:
    """Group ``KEY value`` lines by key (first word); values keep inner spaces."""
    found: dict[str, list[str]] = {}
    for line in lines(raw):
        key, _, value = line.partition(" ")
        found.setdefault(key, []).append(value.strip())
    return found


def first(values: dict[str, list[str]], key: str) -> str | None:
    """The first non-empty value recorded under ``key``."""
    return next((v for v in values.get(key, []) if v), None)


def blocks(raw: str, marker: str) -> list[tuple[str, list[str]]]:
    """Split output into blocks opened by lines ``@MARKER header``; returns (header, body)."""
    found: list[tuple[str, list[str]]] = []
    prefix = f"@{marker} "
    for line in raw.splitlines():
        if line.startswith(prefix):
            found.append((line[len(prefix) :].strip(), []))
        elif found:
            found[-1][1].append(line)
    return found
