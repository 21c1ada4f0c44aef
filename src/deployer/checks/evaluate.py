"""The scan's pure core: spec + matrix + facts in, ``CheckReport`` out. No I/O.

Per host, in this order: facts-based rules (OS, architecture, resources, ports, middleware,
installed database, system settings), the spec's own versions for the host's roles, and,
on the database host, the checks over the live database connection. An external database
(``database.host`` not among ``hosts``) gets a report entry of its own, without SSH facts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone

from deployer.checks import access, arch, database, middleware, packaged, ports, resources, system
from deployer.checks import bundle as bundle_checks
from deployer.checks import os as os_checks
from deployer.checks import python as python_checks
from deployer.checks.acceptance import apply_acceptances
from deployer.checks.cluster import cluster_report
from deployer.checks.context import BundleCoverage, HostContext
from deployer.checks.model import Acceptance, CheckReport, CheckResult, HostReport
from deployer.facts.cluster import ClusterFacts
from deployer.facts.database import DatabaseFacts
from deployer.facts.model import HostFacts
from deployer.spec.environment import Environment, Host
from deployer.spec.kube import KubernetesTarget
from deployer.spec.matrix import SupportMatrix

Rule = Callable[[HostContext], list[CheckResult]]

HOST_RULES: tuple[Rule, ...] = (
    access.check,
    os_checks.check,
    arch.check,
    bundle_checks.check,
    resources.check,
    ports.check,
    middleware.check,
    packaged.check,
    database.installed_check,
    system.check,
    python_checks.check,
)


def evaluate(
    env: Environment,
    matrix: SupportMatrix,
    facts: Mapping[str, HostFacts | None],
    db: DatabaseFacts | None,
    unreachable: Mapping[str, str],
    *,
    db_error: str | None = None,
    acceptances: Sequence[Acceptance] = (),
    generated_at: datetime | None = None,
    engine: str | None = None,
    bootstrap_python: bool = False,
    bundle: BundleCoverage | None = None,
    cluster: ClusterFacts | None = None,
    cluster_error: str | None = None,
) -> CheckReport:
    """Evaluate every host of ``env`` against ``matrix``.

    ``facts`` maps host names to what their probe found; ``unreachable`` maps host names to
    why no probe ran (refused key, changed host key, timeout). ``db`` is what the database
    connection reported, or None with ``db_error`` saying why there is none.
    ``generated_at`` defaults to now (UTC); pass it for reproducible reports. ``engine`` is
    the Ansible engine every host is forced onto (None: chosen per host),
    ``bootstrap_python`` says that a run would install python3 where no Python is usable, and
    ``bundle`` what the bundle a run would install from covers (None: no bundle).
    Under target kubernetes, ``cluster`` is what the cluster's API said, or None with
    ``cluster_error`` saying why it did not answer.
    """
    hosts = [
        _host_report(
            env,
            matrix,
            host,
            facts=facts.get(host.name),
            error=unreachable.get(host.name),
            db=db,
            db_error=db_error,
            engine=engine,
            bootstrap_python=bootstrap_python,
            bundle=bundle,
        )
        for host in env.hosts
    ]
    if env.database is not None and env.host(env.database.host) is None:
        hosts.append(_external_database(env, matrix, db, db_error))
    if isinstance(env.target, KubernetesTarget):
        hosts.append(cluster_report(env.target, matrix, cluster, cluster_error))
    report = CheckReport(
        customer=env.customer,
        environment=env.environment,
        product=env.product.name,
        product_version=env.product.version,
        generated_at=generated_at or datetime.now(timezone.utc),
        hosts=tuple(hosts),
    )
    return apply_acceptances(report, acceptances)


def _host_report(
    env: Environment,
    matrix: SupportMatrix,
    host: Host,
    *,
    facts: HostFacts | None,
    error: str | None,
    db: DatabaseFacts | None,
    db_error: str | None,
    engine: str | None = None,
    bootstrap_python: bool = False,
    bundle: BundleCoverage | None = None,
) -> HostReport:
    results: list[CheckResult] = []
    reachable = error is None and facts is not None
    if reachable and facts is not None:
        context = HostContext(
            env, matrix, host, facts, db, db_error, engine, bootstrap_python, bundle
        )
        for rule in HOST_RULES:
            results += rule(context)
    results += middleware.spec_checks(env, matrix, host)
    if env.database is not None and env.database.host == host.name:
        results += database.spec_checks(env, matrix, host.name)
        results += database.connection_checks(env, matrix, host.name, db, db_error)
    return HostReport(
        host=host.name,
        address=host.address,
        roles=tuple(host.roles),
        reachable=reachable,
        error=None if reachable else (error or "no facts were collected"),
        facts=facts if reachable else None,
        results=tuple(results),
    )


def _external_database(
    env: Environment, matrix: SupportMatrix, db: DatabaseFacts | None, db_error: str | None
) -> HostReport:
    assert env.database is not None
    name = env.database.host
    results = database.spec_checks(env, matrix, name)
    results += database.connection_checks(env, matrix, name, db, db_error)
    return HostReport(
        host=name, address=name, roles=("db",), reachable=True, results=tuple(results)
    )
