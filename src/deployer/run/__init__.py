"""One command's run: its context (built once), its lifecycle in the journal, and the
commands' orchestration (check, plan, apply, rollback) over the layers below."""
