"""Reading the machine's Debian mirror from apt's sources files."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.errors import LabError
from deployer.lab.mirror import (
    AptSource,
    Mirror,
    choose_mirror,
    host_sources,
    machine_mirror,
    parse_deb822,
    parse_one_line,
    proxied_uri,
)

DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://mirror.example.invalid/disabled
Suites: bookworm
Components: main
Enabled: no

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
 contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""

ONE_LINE = """\
# The campus mirror
deb [arch=amd64 signed-by=/k.gpg] https://mirrors.example.edu.cn/debian/ bookworm main contrib
deb-src https://mirrors.example.edu.cn/debian/ bookworm main
deb https://mirrors.example.edu.cn/debian-security bookworm-security main
"""


def test_deb822_skips_sources_and_disabled_stanzas() -> None:
    sources = parse_deb822(DEB822)
    assert sources == [
        AptSource("http://deb.debian.org/debian", ("bookworm", "bookworm-updates"), ("main",)),
        AptSource(
            "http://deb.debian.org/debian-security", ("bookworm-security",), ("main", "contrib")
        ),
    ]


def test_one_line_format_with_options() -> None:
    sources = parse_one_line(ONE_LINE)
    assert sources[0] == AptSource(
        "https://mirrors.example.edu.cn/debian", ("bookworm",), ("main", "contrib")
    )
    assert len(sources) == 2


def test_choose_mirror_takes_release_archive_and_security() -> None:
    mirror = choose_mirror(parse_deb822(DEB822))
    assert mirror == Mirror(
        "http://deb.debian.org/debian", "http://deb.debian.org/debian-security", ("main",)
    )


def test_no_release_suite_is_an_error() -> None:
    with pytest.raises(LabError, match="no Debian release suite"):
        choose_mirror([AptSource("http://x.invalid/debian", ("bookworm-updates",), ("main",))])


def test_machine_mirror_reads_deb822_then_sources_list(tmp_path: Path) -> None:
    deb822, one_line = tmp_path / "debian.sources", tmp_path / "sources.list"
    one_line.write_text(ONE_LINE)
    assert machine_mirror(deb822, one_line).archive == "https://mirrors.example.edu.cn/debian"
    deb822.write_text(DEB822)
    assert machine_mirror(deb822, one_line).archive == "http://deb.debian.org/debian"


def test_machine_without_sources_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="no 'deb' entry in"):
        machine_mirror(tmp_path / "a.sources", tmp_path / "sources.list")


def test_hosts_ask_the_proxy_over_plain_http() -> None:
    assert proxied_uri("https://mirrors.example.edu.cn/debian/") == (
        "http://mirrors.example.edu.cn/debian"
    )
    text = host_sources(choose_mirror(parse_one_line(ONE_LINE)), "bookworm")
    assert "URIs: http://mirrors.example.edu.cn/debian\n" in text
    assert "Suites: bookworm bookworm-updates\n" in text
    assert "Suites: bookworm-security\n" in text
    assert "Components: main contrib\n" in text
