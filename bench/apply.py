"""Time `deployer apply` against `ansible-playbook` with Ansible's defaults, same roles and hosts.

In one run, on a two-host lab made from the example (app1: web+app, db1: db):
  first apply    deployer apply on fresh hosts   vs  ansible-playbook site.yml on fresh hosts
  no-op apply    deployer apply again            vs  ansible-playbook site.yml again
  --full no-op   deployer apply --full (every role runs, nothing changes), for reference
Ansible's defaults: no pipelining, facts gathered in every play, its own ControlPersist.
The baseline gets the same inventory and variables deployer generates (written to a private
temporary folder); its first run skips the product's database wait, since only deployer's
own stage creates the product's database account.

Run as root: `python bench/apply.py [--mitogen DIR]`. Prints the times and the ratios
baseline/deployer; with --mitogen, both run their playbooks under mitogen's linear strategy.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchsupport import byte_compiled, last_run_events, milestones
from deployer import lab
from deployer.executors.ansible.engines import ManagedHost, current_engine
from deployer.executors.ansible.inventory import build_inventory
from deployer.executors.ansible.variables import dump, extra_vars, host_vars
from deployer.facts.model import PythonInstall
from deployer.journal import Redactor
from deployer.lab.derive import derive_spec
from deployer.lab.network import free_subnet
from deployer.run.secrets import resolve_secrets
from deployer.run.targets import ssh_targets
from deployer.spec import load_environment

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "huadong-production.yml"
WORK = ROOT / ".deployer" / "bench-apply"
SECRETS = {"HUADONG_DB_ADMIN_PASSWORD": "bench-Admin-1", "HUADONG_DB_APP_PASSWORD": "bench-App-1"}


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    print(
        f"  {' '.join(argv[1:3]) if argv[0] != 'ansible-playbook' else 'ansible-playbook'}: "
        f"{seconds:.1f} s (exit {done.returncode})",
        flush=True,
    )
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv[:3])} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds


def deployer_apply(spec: Path, *options: str) -> float:
    argv = [sys.executable, "-m", "deployer", "apply", str(spec), "--lab", "-y", *options]
    return timed(argv, {**os.environ, **SECRETS})


def baseline_files(spec: Path, folder: Path) -> tuple[Path, Path, dict[str, str]]:
    """Inventory and variables as deployer makes them, for ansible-playbook to use as is."""
    loaded = load_environment(lab.lab_spec_for(spec))
    # The lab's Debian hosts, as deployer's probe finds them: /usr/bin/python3 under the engine
    # deployer is installed with (the roles read the platform from Ansible's facts).
    python = PythonInstall(
        path="/usr/bin/python3", real="/usr/bin/python3", version="3.11.2", major=3, minor=11
    )
    managed = {host.name: ManagedHost(python, current_engine()) for host in loaded.env.hosts}
    inventory = build_inventory(loaded, list(ssh_targets(loaded, folder)), folder, managed)
    for host in loaded.env.hosts:
        inventory["all"]["hosts"][host.name].update(host_vars(loaded.env, host))
    variables = extra_vars(loaded, "bench-baseline")
    (folder / "inventory.yml").write_text(dump(inventory), encoding="utf-8")
    (folder / "variables.yml").write_text(dump(variables), encoding="utf-8")
    os.environ.update(SECRETS)
    database = loaded.env.database
    assert database is not None, "the example spec has a database"
    env = resolve_secrets(loaded, Redactor()).playbook_env(database.schemas[0].name)
    return folder / "inventory.yml", folder / "variables.yml", env


def ansible_defaults(
    inventory: Path, variables: Path, secrets: dict[str, str], *extra: str
) -> float:
    env = {**os.environ, **secrets, "ANSIBLE_ROLES_PATH": str(ROOT / "roles")}
    for name in ("ANSIBLE_PIPELINING", "ANSIBLE_GATHERING", "ANSIBLE_SSH_ARGS"):
        env.pop(name, None)
    argv = [
        str(Path(sys.executable).parent / "ansible-playbook"),  # the one installed with deployer
        "-i",
        str(inventory),
        "-e",
        f"@{variables}",
        *extra,
        str(ROOT / "playbooks" / "site.yml"),
    ]
    return timed(argv, env)


def fresh_lab(spec: Path, subnet: str) -> None:
    lab.down(spec)
    lab.up(
        spec, lab.UpOptions(cache_dir=lab.cache_dir_from(os.environ, Path.home()), subnet=subnet)
    )


def use_mitogen(folder: Path) -> None:
    """Every playbook of the run, deployer's and the baseline's, under mitogen's linear
    strategy, from mitogen installed in ``folder`` (pip install --target)."""
    strategies = folder / "ansible_mitogen" / "plugins" / "strategy"
    if not (strategies / "mitogen_linear.py").is_file():
        sys.exit(f"--mitogen: no ansible_mitogen strategy plugins in {folder}")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(folder), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    os.environ["ANSIBLE_STRATEGY_PLUGINS"] = str(strategies)
    os.environ["ANSIBLE_STRATEGY"] = "mitogen_linear"
    print(f"strategy: mitogen_linear from {folder}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mitogen", type=Path, metavar="DIR", help="run every playbook under mitogen from DIR"
    )
    args = parser.parse_args()
    byte_compiled()
    if args.mitogen is not None:
        use_mitogen(args.mitogen)
    hosts = [("app1", ["web", "app"]), ("db1", ["db"])]
    spec = derive_spec(EXAMPLE, WORK / "huadong-production.yml", hosts, database_host="db1")
    subnet = str(free_subnet())
    figures: dict[str, float] = {}
    try:
        fresh_lab(spec, subnet)
        figures["deployer first"] = deployer_apply(spec)
        first_apply = milestones(last_run_events(spec))
        figures["deployer no-op"] = deployer_apply(spec)
        # Every role run again, changing nothing: what the roles cost when they do run.
        figures["deployer --full"] = deployer_apply(spec, "--full")
        with tempfile.TemporaryDirectory(prefix="dpl-bench-", dir="/tmp") as scratch:
            inventory, variables, secrets = baseline_files(spec, Path(scratch))
            figures["ansible no-op"] = ansible_defaults(inventory, variables, secrets)
        fresh_lab(spec, subnet)
        with tempfile.TemporaryDirectory(prefix="dpl-bench-", dir="/tmp") as scratch:
            inventory, variables, secrets = baseline_files(spec, Path(scratch))
            figures["ansible first"] = ansible_defaults(
                inventory, variables, secrets, "-e", '{"product_health_require_database": false}'
            )
    finally:
        lab.down(spec)
    print("deployer's first apply, from its journal:")
    for at, what in first_apply:
        print(f"  {at:6.1f} s  {what}")
    for name, seconds in figures.items():
        print(f"{name:<16} {seconds:7.1f} s")
    print(
        f"first apply: ansible defaults / deployer = "
        f"{figures['ansible first'] / figures['deployer first']:.2f}x"
    )
    print(
        f"no-op apply: ansible defaults / deployer = "
        f"{figures['ansible no-op'] / figures['deployer no-op']:.2f}x (target >= 3x)"
    )
    summary = {
        name.replace(" ", "_").replace("-", "") + "_s": round(v, 2) for name, v in figures.items()
    }
    summary["first_vs_ansible"] = round(figures["ansible first"] / figures["deployer first"], 2)
    summary["noop_vs_ansible"] = round(figures["ansible no-op"] / figures["deployer no-op"], 2)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
