"""Everything one command's run shares, built once: the loaded spec, the journal, the
resolved secrets (registered with the journal's redactor), the SSH targets (known_hosts written
once), one SSH policy whose shared connections serve every command of the run (Ansible's
included), and the database session, opened on first use and closed at the end."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deployer.executors.ansible.engines import EngineSettings, ManagedHost, cache_dir_from
from deployer.executors.ansible.executor import AnsibleExecutor
from deployer.executors.base import ExecutionOptions, Executor, TaskEvent, require_ansible_target
from deployer.journal import Journal, Run, records
from deployer.rollback.datapump import OracleDumps
from deployer.rollback.dumps import MysqlDumps, SchemaDumps
from deployer.run.hostkeys import Decide, trust_first_contacts
from deployer.run.packages import LocalPackages
from deployer.run.secrets import RunSecrets, resolve_secrets
from deployer.run.targets import ssh_targets
from deployer.spec import LoadedEnvironment
from deployer.transport import hold
from deployer.transport.hosts import Hosts, SshHosts
from deployer.transport.login import needs_askpass, write_askpass
from deployer.transport.mysql import Connection, DatabaseAccess, DatabaseFailed, DatabaseSessions
from deployer.transport.oracle import oracle_opener
from deployer.transport.ssh import SshOptions, SshTarget, close_masters
from deployer.transport.tunnel import Endpoint

if TYPE_CHECKING:  # the kubernetes client is imported only where a cluster is used
    from deployer.run.cluster_part import ClusterPart

#: Stage headings (event None) and task outcomes, as a command shows them.
Progress = Callable[[str, TaskEvent | None], None]


def default_engine_settings() -> EngineSettings:
    """Engines in ``~/.cache/deployer``, each host on its own choice (the CLI passes the
    settings it read from the environment and the options)."""
    return EngineSettings(cache_dir_from({}, Path.home()))


class ExecutorFactory:
    """Makes the run's executor; tests pass one that makes a fake."""

    def __call__(
        self,
        loaded: LoadedEnvironment,
        targets: Sequence[SshTarget],
        control_dir: Path,
        *,
        run_id: str,
        secrets: dict[str, str],
        options: ExecutionOptions,
        managed: Mapping[str, ManagedHost],
    ) -> Executor:
        return AnsibleExecutor(
            loaded,
            targets,
            control_dir,
            run_id=run_id,
            secrets=secrets,
            options=options,
            managed=managed,
        )


@dataclass
class RunContext:
    loaded: LoadedEnvironment
    journal: Journal
    hosts: Hosts
    targets: tuple[SshTarget, ...]
    control: Path
    progress: Progress
    make_executor: ExecutorFactory = field(default_factory=ExecutorFactory)
    #: Where the Ansible engines are kept, and the one --ansible-engine forces.
    engines: EngineSettings = field(default_factory=default_engine_settings)
    #: Resolved on first use (a saved plan is verified, and the lock taken, before), then kept.
    resolved: RunSecrets | None = None
    #: The database session, made on first use and closed with the context.
    sessions: Any = None  # transport.mysql.Database with close()
    #: Asks the operator about a host key nobody vouched for; None: batch mode, never accept.
    decide_host_key: Decide | None = None
    #: Packages from a verified bundle instead of the hosts' sources (``--bundle``).
    bundle: LocalPackages | None = None
    #: Under target kubernetes, the cluster the product runs in (its hosts are the database's).
    cluster: ClusterPart | None = None

    @property
    def secrets(self) -> RunSecrets:
        return self.resolve_secrets()

    def resolve_secrets(self) -> RunSecrets:
        """The spec's secrets, resolved once. Commands call this before their run starts, so
        that a missing secret is refused (exit 3) without leaving a run that never ended."""
        if self.resolved is None:
            self.resolved = resolve_secrets(self.loaded, self.journal.redact)
        return self.resolved

    @property
    def database(self) -> Any:
        """The run's ``transport.mysql.Database``."""
        if self.sessions is None:
            assert isinstance(self.hosts, SshHosts)
            self.sessions = database_sessions(self.loaded, self.hosts, self.secrets, self.redact)
        return self.sessions

    def schema_dumps(self) -> SchemaDumps:
        """How the run dumps a schema before migrating: mysqldump, or Data Pump for Oracle."""
        database = self.loaded.env.database
        if database is not None and database.engine == "oracle":
            return OracleDumps(self.hosts, self.database, database, self.secrets.admin_password)
        return MysqlDumps(self.hosts)

    def close(self) -> None:
        if self.sessions is not None:
            self.sessions.close()

    @property
    def redact(self) -> Callable[[str], str]:
        return self.journal.redact

    def refuse_unsupported_target(self) -> None:
        """Before anything is locked or recorded: a target no executor supports is refused."""
        if self.cluster is None:
            require_ansible_target(self.loaded)

    def executor(
        self, run: Run, options: ExecutionOptions, managed: Mapping[str, ManagedHost]
    ) -> Executor:
        """The run's executor, for a spec whose target it supports (else refused); each host
        managed as ``managed`` says (run.managers)."""
        self.refuse_unsupported_target()
        database = self.loaded.env.database
        first_schema = database.schemas[0].name if database is not None else None
        return self.make_executor(
            self.loaded,
            self.targets,
            self.control,
            run_id=run.id,
            secrets=self.secrets.playbook_env(first_schema),
            options=options,
            managed=managed,
        )

    def trust_first_contacts(self) -> None:
        """Before the first connection: hosts whose key neither the spec pins nor known_hosts
        holds are shown and accepted by the operator, or the command stops (run.hostkeys)."""
        if not isinstance(self.hosts, SshHosts):
            return
        known_hosts = Path.home() / ".ssh" / "known_hosts"
        decide = self.decide_host_key or (lambda _contact: False)
        trust_first_contacts(list(self.targets), self.hosts.options, known_hosts, decide)

    @contextmanager
    def connections_held(self) -> Iterator[None]:
        """While the block runs (a playbook), the shared connections of the hosts reached with
        a password stay up, opened first if need be: Ansible rides on them."""
        if not isinstance(self.hosts, SshHosts):
            yield
            return
        wanted = [target for target in self.targets if needs_askpass(target)]
        if wanted:
            self.hosts.run_everywhere([t.name for t in wanted], "true", shown="connect")
        with hold.connections_held(wanted, self.hosts.options):
            yield

    def record_inputs(self, run: Run, executor: Executor) -> None:
        """The spec and what the executor was given, in the run's journal."""
        run.record(records.SPEC, self.loaded.path.read_text(encoding="utf-8"))
        for name, text in executor.records().items():
            run.record(name, text)


class NoDatabase:
    """The database port of a spec without a database."""

    @contextmanager
    def session(self) -> Iterator[Connection]:
        raise DatabaseFailed("the spec has no database: there is no schema to read or change")
        yield  # pragma: no cover - makes this a generator

    def close(self) -> None:
        return


@contextmanager
def open_context(
    loaded: LoadedEnvironment,
    journal: Journal,
    progress: Progress,
    ssh: SshOptions | None = None,
    make_executor: ExecutorFactory | None = None,
    *,
    engines: EngineSettings | None = None,
    decide_host_key: Decide | None = None,
) -> Iterator[RunContext]:
    """The context of one command; its connections end with the block."""
    with control_dir() as control:
        askpass = write_askpass(control)
        options = replace(ssh or SshOptions(), control_dir=control, askpass=askpass)
        # Pinned keys go into the run's private connection folder, written this once.
        targets = tuple(ssh_targets(loaded, control, redact=journal.redact))
        context = RunContext(
            loaded,
            journal,
            SshHosts(targets, options),
            targets,
            control,
            progress,
            make_executor or ExecutorFactory(),
            engines or default_engine_settings(),
            decide_host_key=decide_host_key,
        )
        try:
            yield context
        finally:
            context.close()


def database_sessions(
    loaded: LoadedEnvironment,
    hosts: SshHosts,
    secrets: RunSecrets,
    mask: Callable[[str], str],
) -> DatabaseSessions | NoDatabase:
    """The admin session of the spec's database."""
    database = loaded.env.database
    if database is None:
        return NoDatabase()
    host = loaded.env.host(database.host)
    access = DatabaseAccess(
        direct=Endpoint(host.address if host else database.host, database.effective_port),
        user=database.admin.user,
        password=secrets.admin_password,
        via=hosts.targets.get(host.name) if host else None,
        options=hosts.options,
        where=f"{database.engine} on {database.host}",
        opener=oracle_opener(database.effective_service_name)
        if database.engine == "oracle"
        else None,
    )
    return DatabaseSessions(access, mask)


@contextmanager
def control_dir() -> Iterator[Path]:
    """A short path for ssh ControlPath sockets (Unix socket paths max out near 104 bytes),
    with the connections in it ended afterwards."""
    with tempfile.TemporaryDirectory(prefix="dpl-ssh-", dir="/tmp") as folder:
        try:
            yield Path(folder)
        finally:
            close_masters(Path(folder))
