"""``drift``: every host's managed-state record against the host as it is now, one exec per
host in parallel, recorded as a run of its own (the findings in its report)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from deployer.errors import ExitCode
from deployer.journal import Run, records
from deployer.run.context import RunContext
from deployer.run.lifecycle import run_lifecycle
from deployer.run.managed import HostState, read_states, record_drifts


@dataclass(frozen=True)
class DriftOutcome:
    states: dict[str, HostState] = field(default_factory=dict)

    @property
    def exit_code(self) -> ExitCode:
        """Unreachable hosts first (nothing could be compared there), then any difference
        or a record that cannot be read."""
        if any(state.unreachable for state in self.states.values()):
            return ExitCode.HOST_UNREACHABLE
        if any(state.drifted or state.problem for state in self.states.values()):
            return ExitCode.DRIFT
        return ExitCode.OK

    def to_json(self) -> dict[str, object]:
        return {
            "drift": sum(len(state.drifted) for state in self.states.values()),
            "hosts": {name: state.to_json() for name, state in sorted(self.states.items())},
        }


def detect_drift(context: RunContext) -> tuple[Run, DriftOutcome]:
    run = context.journal.start("drift", context.loaded.path)
    with run_lifecycle(run, context.redact) as ending:
        context.trust_first_contacts()
        outcome = DriftOutcome(read_states(context.hosts))
        record_drifts(run, outcome.states)
        run.record(records.REPORT, json.dumps(outcome.to_json(), indent=1))
        ending.exit_code = outcome.exit_code
    return run, outcome
