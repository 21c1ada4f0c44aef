"""The probe as a whole: building it safely and splitting its output (real runs of it under
POSIX shells and shellcheck are in tests/tools/test_probe_in_shells.py).

The probe outputs under tests/fixtures/facts/probe/ are real: debian12-vm from this kind of
machine (as root, with an SSH-like bare environment: ``env -i`` with PATH=/usr/bin:/bin);
debian12-lab, debian12-lab-middleware and debian12-minbase-bare from lab hosts (a
debootstrap'ed Debian 12 minbase with systemd, iproute2 and sudo NOPASSWD), sent over SSH as
user deploy with the example matrix's disk paths (middleware: after installing Debian's
nginx, running, and tomcat10 and OpenJDK 17, Tomcat stopped; bare: ss and sudo moved away, so
/proc/net/tcp is decoded instead). debian12-lab-nspawn is a lab host of the same kind sent
the probe whose sections share its shell (CPUs from the affinity list, no ``date`` where a
file names the zone, Pythons by ``-V``). centos7-handmade is written by hand, its Pythons as CentOS
7.9 has them. Each ``.expected.json`` is ``json.dumps(parse_probe(txt).to_dict(), indent=2,
ensure_ascii=False)`` plus a newline, reviewed by hand.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from deployer.facts import (
    FACTS,
    HostFacts,
    build_probe,
    matrix_disk_paths,
    parse_probe,
    split_sections,
)
from deployer.facts.base import Fact, Shared
from deployer.spec import Environment, SupportMatrix, load_environment

PROBES = Path(__file__).resolve().parents[2] / "fixtures" / "facts" / "probe"
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "huadong-production.yml"


def load_example() -> tuple[Environment, SupportMatrix]:
    loaded = load_environment(EXAMPLE)
    return loaded.env, loaded.matrix


def _probe_cases() -> list[str]:
    return sorted(p.stem for p in PROBES.glob("*.txt"))


@pytest.mark.parametrize("name", _probe_cases())
def test_probe_output_parses_end_to_end(name: str) -> None:
    facts = parse_probe((PROBES / f"{name}.txt").read_text(encoding="utf-8"))
    expected = json.loads((PROBES / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert facts.to_dict() == expected
    assert facts.unknown == {}
    assert HostFacts.from_dict(json.loads(json.dumps(facts.to_dict()))) == facts


def test_lab_like_host_facts() -> None:
    facts = parse_probe((PROBES / "debian12-lab.txt").read_text(encoding="utf-8"))
    assert facts.os is not None and (facts.os.family, facts.os.family_version) == ("debian", "12")
    assert [(item.address, item.port) for item in facts.listening or ()] == [
        ("0.0.0.0", 22),
        ("::", 22),
    ]
    assert facts.jdks == () and facts.tomcats == () and facts.nginx == ()
    assert facts.sudo is not None and facts.sudo.state == "nopasswd"


def test_matrix_disk_paths() -> None:
    env, matrix = load_example()
    assert matrix_disk_paths(matrix) == ["/opt", "/var/lib", "/var/log"]
    assert matrix_disk_paths(matrix, env.hosts[1].roles) == ["/var/lib"]


def test_disk_paths_are_quoted_never_spliced() -> None:
    nasty = "/srv/it's $(reboot) here"
    script = build_probe(["/opt", nasty])
    assert f"set -- /opt {shlex.quote(nasty)}" in script
    assert "$(reboot) here'" in script  # only inside single quotes


@pytest.mark.parametrize("path", ["opt", "/opt\n/etc", "/tmp/\ttab", ""])
def test_unsafe_disk_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match="absolute"):
        build_probe([path])


def test_every_fact_gets_a_framed_section_in_order() -> None:
    script = build_probe([])
    positions = [script.index(f"@@deployer:begin {fact.id}@@") for fact in FACTS]
    assert positions == sorted(positions)
    assert script.count("deployer_fresh; set --") == len(FACTS)


def test_the_ports_whose_owner_to_name_are_given_to_the_probe() -> None:
    script = build_probe([], ports=[8080, 80, 80, 0, 70000])
    assert "deployer_ports='80 8080'\n" in script
    assert "deployer_ports=''\n" in build_probe([])


def test_shared_steps_run_once_before_the_first_section_needing_them() -> None:
    shared = Shared("answer", "deployer_answer=$(echo 42)")
    facts = (
        Fact("host.name", "hostname", "uname -n", lambda raw: raw.strip()),
        Fact("cpu.count", "cpus", 'echo "$deployer_answer"', int, shared=(shared,)),
        Fact("memory.total", "memory_mb", 'echo "$deployer_answer"', int, shared=(shared,)),
    )
    script = build_probe([], facts)
    step = "{\ndeployer_answer=$(echo 42)\n} </dev/null 2>/dev/null\n"
    assert script.count(step) == 1
    assert script.index("@@deployer:begin host.name@@") < script.index(step)
    assert script.index(step) < script.index("@@deployer:begin cpu.count@@")


def test_uname_runs_once_for_the_three_facts_it_answers() -> None:
    script = build_probe([])
    assert script.count("$(uname ") == 1
    assert script.count("timedatectl status") == 1


def test_split_sections_keeps_bodies_exact() -> None:
    stdout = (
        "noise before\n"
        "@@deployer:begin a.b@@\nline 1\n  line 2 \n\n@@deployer:end a.b rc=3@@\n"
        "@@deployer:begin c.d@@\n\n@@deployer:end c.d rc=0@@\n"
        "@@deployer:begin cut.short@@\npartial output\n"
    )
    sections = split_sections(stdout)
    assert sections["a.b"].body == "line 1\n  line 2 \n"
    assert sections["a.b"].rc == 3
    assert sections["c.d"].body == ""
    assert "cut.short" not in sections


def test_crlf_output_is_accepted() -> None:
    stdout = "@@deployer:begin host.name@@\r\napp1\r\n\r\n@@deployer:end host.name rc=0@@\r\n"
    assert parse_probe(stdout).hostname == "app1"


def _broken(_: str) -> int:
    raise RuntimeError("parser bug")


def test_failing_parser_and_missing_section_become_unknown() -> None:
    facts = (
        Fact("host.name", "hostname", "uname -n", lambda raw: raw.strip()),
        Fact("cpu.count", "cpus", "nproc", _broken),
        Fact("memory.total", "memory_mb", "true", int),
    )
    stdout = (
        "@@deployer:begin host.name@@\napp1\n\n@@deployer:end host.name rc=0@@\n"
        "@@deployer:begin cpu.count@@\n2\n\n@@deployer:end cpu.count rc=0@@\n"
    )
    parsed = parse_probe(stdout, facts)
    assert parsed.hostname == "app1"
    assert parsed.cpus is None and "parser bug" in parsed.unknown["cpu.count"]
    assert parsed.memory_mb is None and "stopped before" in parsed.unknown["memory.total"]


def test_parser_returning_a_wrong_value_becomes_unknown() -> None:
    facts = (
        Fact("host.name", "hostname", "uname -n", lambda raw: raw.strip()),
        Fact("cpu.count", "cpus", "nproc", lambda raw: "two"),
    )
    stdout = (
        "@@deployer:begin host.name@@\napp1\n\n@@deployer:end host.name rc=0@@\n"
        "@@deployer:begin cpu.count@@\n2\n\n@@deployer:end cpu.count rc=0@@\n"
    )
    parsed = parse_probe(stdout, facts)
    assert parsed.hostname == "app1"
    assert parsed.cpus is None and "invalid value" in parsed.unknown["cpu.count"]
