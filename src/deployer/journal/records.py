"""The names of a run folder's records, in one place: the layout is a contract that readers
of older runs (and people browsing a journal) rely on, so no module spells them itself.

<journal>/<run-id>/meta.json             what ran, by whom, when, status, exit code, format
                   events.jsonl          every event, appended as it happens
                   spec.yml              the spec as it was read (redacted)
                   variables.yml         the variables the playbooks got (redacted)
                   inventory.yml         the inventory the playbooks got (redacted)
                   recap.json            task counts per host
                   facts.json            the facts a plan read
                   plan.json             the plan
                   report.json           a scan's report
                   rollback.json/.md     the rollback plan, for deployer and for people
                   packages-before.json  every host's packages before the run
                   ansible-facts.json    Ansible's fact cache after the run
                   fixup-<host>.sh       a scan's suggested fixes, never run by deployer
                   managed-<host>.json   what deployer manages on the host, as the run left it
                   dump-<schema>.sql     a schema's dump before migrating (not redacted)
                   dump-<schema>.dmp     the same for Oracle: a Data Pump export
                   import.json           a data import's balance
                   watch.json            a go-live watch's verdict
"""

from __future__ import annotations

META = "meta.json"
EVENTS = "events.jsonl"
SPEC = "spec.yml"
VARIABLES = "variables.yml"
INVENTORY = "inventory.yml"
RECAP = "recap.json"
FACTS = "facts.json"
PLAN = "plan.json"
REPORT = "report.json"
ROLLBACK_PLAN = "rollback.json"
ROLLBACK_TEXT = "rollback.md"
PACKAGES_BEFORE = "packages-before.json"
ANSIBLE_FACTS = "ansible-facts.json"
IMPORT_REPORT = "import.json"
WATCH_VERDICT = "watch.json"


def fixup_script(host: str) -> str:
    """A scan's fixup script for ``host``."""
    return f"fixup-{host}.sh"


def managed_state(host: str) -> str:
    """The managed-state record a run left on ``host`` (a copy of the host's own)."""
    return f"managed-{host}.json"


def dump_file(schema: str, engine: str = "mysql") -> str:
    """The dump of ``schema``; the caller makes sure the name is a plain identifier."""
    return f"dump-{schema}.dmp" if engine == "oracle" else f"dump-{schema}.sql"
