"""``bundle.covers``: with ``check --bundle``, each host's release and architecture against
what the bundle holds packages for; without a bundle the check is not there."""

from __future__ import annotations

from deployer.checks import evaluate
from deployer.checks.context import BundleCoverage
from deployer.checks.model import Status
from deployer.facts import HostFacts
from tests.support.checks import WHEN, example, fact_fixture, probe_facts

BUNDLE = BundleCoverage("sample-erp-1.0-x86_64.bundle.tar.gz", "x86_64", ("debian-12",))


def _covers(facts: HostFacts, bundle: BundleCoverage | None = BUNDLE) -> list[tuple[str, str]]:
    env, matrix = example()
    report = evaluate(
        env, matrix, {"app1": facts, "db1": facts}, None, {}, generated_at=WHEN, bundle=bundle
    )
    return [
        (result.status.value, result.observed)
        for host in report.hosts
        if host.host == "app1"
        for result in host.results
        if result.check_id == "bundle.covers"
    ]


def _with(**changes: object) -> HostFacts:
    return HostFacts.model_validate({**probe_facts("debian12-lab").to_dict(), **changes})


def test_a_debian_12_host_is_covered() -> None:
    assert _covers(_with()) == [(Status.PASS.value, "debian-12 on x86_64")]


def test_no_bundle_no_check() -> None:
    assert _covers(_with(), bundle=None) == []


def test_another_release_or_architecture_fails() -> None:
    bullseye = _with(os=fact_fixture("os.release", "debian-11"))
    assert _covers(bullseye) == [(Status.FAIL.value, "debian-11 on x86_64")]
    assert _covers(_with(arch="aarch64")) == [(Status.FAIL.value, "debian-12 on aarch64")]


def test_the_redhat_family_fails_with_its_reason() -> None:
    env, matrix = example()
    el9 = _with(os=fact_fixture("os.release", "rhel-9.4"))
    report = evaluate(env, matrix, {"app1": el9}, None, {}, generated_at=WHEN, bundle=BUNDLE)
    (result,) = [r for r in report.hosts[0].results if r.check_id == "bundle.covers"]
    assert result.status is Status.FAIL
    assert "Debian family only" in result.remediation
