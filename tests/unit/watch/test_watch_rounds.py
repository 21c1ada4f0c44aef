"""The watch's rounds over fake hosts: what each host is asked, offsets carried from one
round to the next, an unreachable host and a failing database as readings, and a breach
after samples in a row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from deployer.errors import DeployerError
from deployer.spec import load_environment
from deployer.spec.watch import Thresholds
from deployer.transport.result import CommandResult, Failure
from deployer.watch.plan import sample_requests
from deployer.watch.rounds import DATABASE, Watcher
from deployer.watch.verdict import Tracker
from tests.support.example_specs import example_spec

HEALTHY = """cpu {busy} 0 0 {idle} 0 0 0 0
cpus 2
load 0.1
mem 1000 800
disk 10 90 /
log nginx access 7 {size} 0 3
health nginx {status} 0.010
health tomcat {status} 0.005
"""


@dataclass
class ScriptedHosts:
    """Each host answers the n-th sample with its n-th output (None: unreachable)."""

    outputs: dict[str, list[str | None]]
    scripts: dict[str, list[str]] = field(default_factory=dict)

    def run_on(
        self,
        host: str,
        command: str,
        *,
        stdin: bytes | None = None,
        shown: str | None = None,
        root: bool = False,
    ) -> CommandResult:
        assert command == "sh -s" and root and stdin is not None
        self.scripts.setdefault(host, []).append(stdin.decode())
        out = self.outputs[host].pop(0)
        if out is None:
            return CommandResult(
                host, command, None, "", "", 0.0, Failure.UNREACHABLE, "no route to host"
            )
        return CommandResult(host, command, 0, out, "", 0.01)

    def run_everywhere(
        self, hosts: Iterable[str] | None, command: str, **_: object
    ) -> dict[str, CommandResult]:
        raise AssertionError("each host gets its own script")


def test_what_each_host_of_the_example_is_asked(tmp_path: Path) -> None:
    env = load_environment(example_spec(tmp_path)).env
    requests = sample_requests(env)
    app1, db1 = requests["app1"], requests["db1"]
    assert [page.url for page in app1.health] == [
        "http://127.0.0.1:80/erp/health.jsp",
        "http://127.0.0.1:8080/erp/health.jsp",
    ]
    assert [(log.name, log.path) for log in app1.logs] == [
        ("nginx", "/var/log/nginx/access.log"),
        ("tomcat", "/var/log/tomcat10/localhost.*.log"),
        ("tomcat-journal", "tomcat10.service"),
    ]
    assert db1.health == () and db1.logs == () and db1.paths == ("/",)


def test_rounds_carry_offsets_and_count_a_breach(tmp_path: Path) -> None:
    env = load_environment(example_spec(tmp_path)).env
    good = HEALTHY.format(busy=10, idle=1000, size=100, status=200)
    down = [
        HEALTHY.format(busy=10 + n, idle=1000 + 100 * n, size=100 + n, status=502)
        for n in (2, 3, 4)
    ]
    hosts = ScriptedHosts(
        {"app1": [good, *down], "db1": ["mem 1000 900\n", None, None, "mem 1000 900\n"]}
    )
    statuses = iter([{"Threads_running": 1}, {"Threads_running": 99}])

    def status() -> dict[str, int]:
        try:
            return next(statuses)
        except StopIteration:
            raise DeployerError("the database does not answer") from None

    watcher = Watcher(hosts, sample_requests(env), Thresholds(), Tracker(consecutive=3), status)  # type: ignore[arg-type]
    rounds = [watcher.sample(n, float(n)) for n in range(1, 5)]
    assert "deployer_log nginx /var/log/nginx/access.log access 0 -1" in hosts.scripts["app1"][0]
    assert "deployer_log nginx /var/log/nginx/access.log access 7 100" in hosts.scripts["app1"][1]
    assert [r.check for r in rounds[0].readings["app1"]][:2] == ["memory", "load"]  # no CPU yet
    assert rounds[1].readings["db1"][0].check == "reach" and rounds[1].readings["db1"][0].over
    assert rounds[2].readings[DATABASE][0].check == "db.reach"
    assert [(b.host, b.check) for b in rounds[3].breaches] == [
        ("app1", "health:nginx"),
        ("app1", "health:tomcat"),
    ]
    assert not watcher.tracker.go
    assert rounds[2].breaches == ()  # db1 unreachable twice only
