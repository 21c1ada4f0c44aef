"""Arguments every environment command shares: SPEC, --lab, --journal."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deployer.cli.io import Streams
    from deployer.executors.ansible.engines import EngineSettings
    from deployer.journal import Journal
    from deployer.run.cluster_part import ClusterPart
    from deployer.run.context import Progress, RunContext
    from deployer.run.hostkeys import Decide, FirstContact
    from deployer.run.packages import LocalPackages
    from deployer.spec import LoadedEnvironment


def add_spec_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", help="environment spec (YAML)")
    parser.add_argument(
        "--lab", action="store_true", help="target the lab hosts made from SPEC (deployer lab up)"
    )
    parser.add_argument(
        "--limit", metavar="HOST[,HOST...]", default="", help="only these hosts (names from SPEC)"
    )
    parser.add_argument(
        "--journal",
        metavar="DIR",
        type=Path,
        help="run journal folder (default: .deployer/runs by the spec)",
    )


@dataclass(frozen=True)
class Target:
    loaded: LoadedEnvironment
    journal_root: Path
    spec_argument: str
    limit: tuple[str, ...] = ()  # --limit's hosts, checked against the spec; empty: all


def load_target(args: argparse.Namespace, *, restrict: bool = True) -> Target:
    """The spec to act on: SPEC itself, or with --lab the lab's overlay of it; with
    ``restrict``, reduced to the hosts of --limit (apply keeps them all and limits Ansible)."""
    from deployer.lab import lab_spec_for
    from deployer.run.targets import limit_hosts, limit_names
    from deployer.spec import load_environment

    given = Path(args.spec)
    if args.lab:
        overlay = lab_spec_for(given)
        loaded = load_environment(overlay, str(overlay))
        # One journal per lab, whichever spec of the environment ran (specs/ holds the others).
        lab_dir = overlay.parent.parent if overlay.parent.name == "specs" else overlay.parent
        default_journal = lab_dir / "runs"
    else:
        loaded = load_environment(given, args.spec)
        default_journal = given.parent / ".deployer" / "runs"
    limit = limit_names(loaded, args.limit)
    if limit and restrict:
        loaded = limit_hosts(loaded, limit)
    return Target(loaded, args.journal or default_journal, args.spec, limit)


#: deployer.facts.engines.ENGINES' names, spelled here so building the parser imports no facts.
ENGINE_NAMES = ("current", "2.16")


def add_engine_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ansible-engine",
        choices=ENGINE_NAMES,
        default=None,
        help="manage every host with this Ansible engine (default: chosen per host from its "
        "Python: current for 3.8+, 2.16 for 2.7, 3.6 and 3.7)",
    )


def add_bootstrap_argument(parser: argparse.ArgumentParser, *, dry: bool = False) -> None:
    what = "say how python3 would be installed on" if dry else "install python3 on"
    parser.add_argument(
        "--bootstrap-python",
        action="store_true",
        help=f"{what} hosts where no Python can run Ansible, over SSH with the host's "
        "package manager (apt-get, yum or dnf)",
    )


def add_wheelhouse_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wheelhouse",
        metavar="DIR",
        type=Path,
        help="build a missing Ansible engine offline from the wheels in DIR "
        "(default: $DEPLOYER_WHEELHOUSE, else the package index)",
    )


def engine_settings(args: argparse.Namespace) -> EngineSettings:
    """Where engines live (the XDG cache), the wheelhouse and the forced engine, from the
    options and the environment."""
    import os

    from deployer.executors.ansible.engines import EngineSettings as Settings
    from deployer.executors.ansible.engines import cache_dir_from, wheelhouse_from

    return Settings(
        cache=cache_dir_from(os.environ, Path.home()),
        wheelhouse=wheelhouse_from(args.wheelhouse, os.environ),
        forced=args.ansible_engine,
    )


def host_key_prompt(streams: Streams) -> Decide:
    """How the command answers a first contact: on a terminal it shows the host's key by
    fingerprint and asks, as ssh does; otherwise it refuses (the command stops, exit 5, with
    the key to pin). ``-y`` never answers this question."""
    import sys

    def decide(contact: FirstContact) -> bool:
        if not sys.stdin.isatty():
            return False
        kind, _, fingerprint = contact.fingerprint.partition(" ")
        streams.say(
            f"The authenticity of host '{contact.name}' ({contact.address}) can't be established."
        )
        streams.say(f"{kind} key fingerprint is {fingerprint}.")
        answer = input("Trust it and add it to ~/.ssh/known_hosts? [y/N] ")
        return answer.strip().lower() in ("y", "yes")

    return decide


@contextlib.contextmanager
def run_context(
    args: argparse.Namespace,
    streams: Streams,
    target: Target,
    journal: Journal,
    progress: Progress,
    *,
    packages: LocalPackages | None,
    cluster: ClusterPart | None = None,
) -> Iterator[RunContext]:
    """The context of apply, plan and rollback: engines from the options, host keys asked
    about on a terminal, packages from ``packages`` (``--bundle``, verified by the caller),
    the product's ``cluster`` under target kubernetes; a target no executor supports is
    refused before anything else."""
    from deployer.run.context import open_context

    with open_context(
        target.loaded,
        journal,
        progress,
        engines=engine_settings(args),
        decide_host_key=host_key_prompt(streams),
    ) as context:
        context.cluster = cluster
        context.refuse_unsupported_target()
        context.bundle = packages
        yield context


@contextlib.contextmanager
def deploy_locks(args: argparse.Namespace, context: RunContext, command: str) -> Iterator[None]:
    """The environment's deploy lock on its hosts (``--break-lock`` breaks a stale one), and
    under target kubernetes the product's Lease in its namespace as well."""
    from deployer.locks import environment_lock

    with environment_lock(
        context.hosts,
        context.loaded.env.product.name,
        context.journal.root,
        command,
        break_stale=args.break_lock,
        before_hosts=context.trust_first_contacts,
    ):
        if context.cluster is None:
            yield
            return
        with context.cluster.lock(command):
            yield
