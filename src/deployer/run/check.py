"""The compatibility scan: one probe per host in parallel, the database, then the rules.
Recorded as a run of its own: failed when a host is unreachable or a check blocks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from deployer.checks import Acceptance, CheckReport, evaluate, fixup_script
from deployer.checks.context import BundleCoverage
from deployer.checks.ports import service_ports
from deployer.errors import DeployerError, ExitCode
from deployer.facts.cluster import ClusterFacts
from deployer.facts.database import DatabaseFacts
from deployer.facts.dbquery import (
    MYSQL_VARIABLES,
    matrix_settings,
    oracle_parameters,
    query_mysql,
    query_oracle,
)
from deployer.facts.model import HostFacts
from deployer.facts.probe import build_probe, matrix_disk_paths, parse_probe
from deployer.journal import Run, records
from deployer.report.jsonout import render_json
from deployer.run.access import try_become, with_access
from deployer.run.context import RunContext, database_sessions
from deployer.run.lifecycle import run_lifecycle
from deployer.run.secrets import RunSecrets
from deployer.spec import LoadedEnvironment
from deployer.spec.kube import KubernetesTarget
from deployer.transport import CommandResult
from deployer.transport.hosts import SshHosts

if TYPE_CHECKING:
    from deployer.executors.kubernetes.cluster import Cluster

log = logging.getLogger(__name__)

#: How long one Oracle call of the scan may take.
ORACLE_CALL_TIMEOUT_MS = 60_000


@dataclass(frozen=True)
class CheckOutcome:
    report: CheckReport
    fixups: Mapping[str, str] = field(default_factory=dict)  # host -> fixup.sh text
    probe_seconds: Mapping[str, float] = field(default_factory=dict)

    @property
    def exit_code(self) -> ExitCode:
        """Unreachable hosts first: their checks could not even run."""
        if self.report.unreachable:
            return ExitCode.HOST_UNREACHABLE
        if self.report.blocking:
            return ExitCode.CHECKS_FAILED
        return ExitCode.OK


@dataclass(frozen=True)
class ScanOptions:
    """What the run the scan prepares for would do: the forced engine (--ansible-engine),
    whether it installs python3 where none is usable (--bootstrap-python), and the bundle it
    installs from (--bundle)."""

    engine: str | None = None
    bootstrap_python: bool = False
    bundle: BundleCoverage | None = None  # --bundle: what the bundle holds packages for
    cluster: Callable[[], Cluster] | None = None  # target kubernetes: how to reach the API


def gather_host_facts(
    context: RunContext,
) -> tuple[dict[str, HostFacts], dict[str, str], dict[str, float]]:
    """Run the probe on every host at once: (facts, unreachable reasons, seconds per host)."""
    env, matrix = context.loaded.env, context.loaded.matrix
    ports = {need.port for host in env.hosts for need in service_ports(env, matrix, host)}
    probe = build_probe(matrix_disk_paths(matrix), ports=ports)
    results = context.hosts.run_everywhere(
        None, "sh -s", stdin=probe.encode("utf-8"), shown="sh -s < probe"
    )
    facts: dict[str, HostFacts] = {}
    unreachable: dict[str, str] = {}
    for name, result in results.items():
        if result.connected:
            facts[name] = parse_probe(result.stdout)
        else:
            unreachable[name] = _why(result)
    access, refused = try_become(context.loaded.env, context.hosts, facts)
    unreachable.update(refused)
    facts = {
        name: found for name, found in with_access(facts, access).items() if name not in refused
    }
    return facts, unreachable, {n: r.seconds for n, r in results.items()}


def scan(
    context: RunContext,
    acceptances: Sequence[Acceptance] = (),
    options: ScanOptions | None = None,
) -> tuple[Run, CheckOutcome]:
    """The scan as a run in the journal, with its report and fixup scripts recorded."""
    run = context.journal.start("check", context.loaded.path)
    with run_lifecycle(run, context.redact) as ending:
        outcome = run_check(context, acceptances, options or ScanOptions())
        for host, script in outcome.fixups.items():
            run.record(records.fixup_script(host), script)
        run.record(records.REPORT, render_json(outcome.report))
        ending.exit_code = outcome.exit_code
    return run, outcome


def run_check(
    context: RunContext,
    acceptances: Sequence[Acceptance] = (),
    options: ScanOptions | None = None,
) -> CheckOutcome:
    loaded = context.loaded
    options = options or ScanOptions()
    context.trust_first_contacts()
    facts, unreachable, seconds = gather_host_facts(context)
    db, db_error = collect_database_facts(context, set(facts))
    cluster, cluster_error = collect_cluster_facts(context, options.cluster)
    report = evaluate(
        loaded.env,
        loaded.matrix,
        facts,
        db,
        unreachable,
        db_error=db_error,
        acceptances=acceptances,
        engine=options.engine,
        bootstrap_python=options.bootstrap_python,
        bundle=options.bundle,
        cluster=cluster,
        cluster_error=cluster_error,
    )
    engine = loaded.env.database.engine if loaded.env.database else None
    fixups = {}
    for host in report.hosts:
        script = fixup_script(host, engine)
        if script:
            fixups[host.host] = script
    return CheckOutcome(report, fixups, seconds)


def collect_database_facts(
    context: RunContext, answering: set[str]
) -> tuple[DatabaseFacts | None, str | None]:
    """(facts, None) or (None, why not): a missing password or a refused login is data.
    Tunnels go only through hosts that answered the probe."""
    loaded = context.loaded
    database = loaded.env.database
    if database is None:
        return None, None
    assert isinstance(context.hosts, SshHosts)
    hosts = SshHosts([t for t in context.targets if t.name in answering], context.hosts.options)
    try:
        password = database.admin.password.reveal(loaded.base_dir)
        context.journal.redact.add(password)
        sessions = database_sessions(
            loaded, hosts, RunSecrets(admin_password=password), context.redact
        )
        try:
            with sessions.session() as connection:
                facts = _query_database(loaded, connection, sessions)
            tunnelled = getattr(sessions, "tunnelled", False)
        finally:
            sessions.close()
    except DeployerError as exc:
        return None, context.redact(str(exc))
    return facts.model_copy(update={"via_tunnel": tunnelled}), None


def collect_cluster_facts(
    context: RunContext, connect: Callable[[], Cluster] | None
) -> tuple[ClusterFacts | None, str | None]:
    """Under target kubernetes: (facts, None), or (None, why the API did not answer)."""
    target = context.loaded.env.target
    if not isinstance(target, KubernetesTarget) or connect is None:
        return None, None
    # Only a cluster's scan pays for the client and the manifests' rendering.
    from deployer.executors.kubernetes import render_manifests  # noqa: PLC0415
    from deployer.executors.kubernetes.cluster import ClusterError  # noqa: PLC0415
    from deployer.run.cluster_facts import gather_cluster_facts  # noqa: PLC0415

    try:
        return gather_cluster_facts(connect(), target, render_manifests(context.loaded)), None
    except ClusterError as exc:
        return None, context.redact(str(exc))


def _query_database(loaded: LoadedEnvironment, connection: Any, sessions: Any) -> DatabaseFacts:
    database = loaded.env.database
    assert database is not None
    if database.engine == "oracle":
        # A dictionary query that hangs must not hold the whole scan.
        connection.raw.call_timeout = ORACLE_CALL_TIMEOUT_MS
        where = f"{sessions.endpoint.host}:{sessions.endpoint.port}"
        return query_oracle(database, connection, where, oracle_parameters(loaded.matrix))
    wanted = sorted({*MYSQL_VARIABLES, *matrix_settings(loaded, database.engine)})
    return query_mysql(database, connection, wanted)


def _why(result: CommandResult) -> str:
    assert result.failure is not None
    return f"{result.failure.value}: {result.reason}"
