"""The ordered steps of an apply, per host group: the stage list as ``plan`` shows it."""

from __future__ import annotations

from deployer.plan.model import Step
from deployer.plan.stages import apply_stages
from deployer.spec.environment import Environment


def plan_steps(env: Environment) -> tuple[Step, ...]:
    steps: list[Step] = []
    for stage in apply_stages(env):
        for step in stage.steps:
            steps.append(
                Step(order=len(steps) + 1, stage=stage.title, hosts=step.hosts, action=step.action)
            )
    return tuple(steps)
