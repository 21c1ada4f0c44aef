#!/usr/bin/env bash
# The main job on this machine, end to end: the go-live rehearsal an implementation engineer
# runs before going to the customer's site. Install deployer, validate the example customer
# environment, build throwaway lab hosts with its topology, run the compatibility scan (report
# in the terminal and as a signable HTML page), deploy 1.0 and ask it for its health through
# nginx; then plan the 1.1 upgrade, watch a faulty 1.1 (a migration that fails half-way) roll
# itself back under --atomic, apply the good 1.1, and roll it back with one command.
# Needs root for the lab (network namespaces, mounts); the first run builds the lab's base
# image (about two minutes). A rerun rebuilds the lab from clean hosts and rehearses it all again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
SPEC=examples/huadong-production.yml
UPGRADE=examples/huadong-production-1.1.yml
FAULTY=examples/huadong-production-1.1-failing.yml
HEALTH_URL=http://localhost/erp/health.jsp
STAGES=8
stage=0

elapsed() { printf '%dm%02ds' $((SECONDS / 60)) $((SECONDS % 60)); }

banner() {
  stage=$((stage + 1))
  printf '\n==> [%d/%d at %s] %s\n' "$stage" "$STAGES" "$(elapsed)" "$*"
}

fail() {
  echo "demo: FAILED: $*" >&2
  exit 1
}

# The health page's JSON through nginx on app1, or nothing when it does not answer.
health_body() {
  deployer lab ssh "$SPEC" app1 -- curl -sf "$HEALTH_URL" 2>/dev/null || true
}

# The "version" field of a health page body when the database is reachable, else nothing.
version_of() {
  python3 -c '
import json, sys
try:
    body = json.loads(sys.argv[1])
except ValueError:
    sys.exit(0)
if body.get("database") == "reachable":
    print(body.get("version") or "")
' "$1"
}

# Print the health page and stop the demo unless it serves the expected version, healthy.
expect_health() {
  local body version
  body=$(health_body)
  echo "health page through nginx on app1: ${body:-<no answer>}"
  version=$(version_of "$body")
  [ "$version" = "$1" ] || fail "expected version $1 with its database reachable, got '${version}'"
}

# The tables of schema erp on db1: after the faulty V2 is rolled back, none of what its first
# statements made (the lookup table order_statuses) may be left.
expect_schema_v1_tables() {
  local tables
  tables=$(deployer lab ssh "$SPEC" db1 -- "sudo mysql -N -B -e 'SHOW TABLES FROM erp'" | tr '\n' ' ')
  echo "tables of schema erp on db1: ${tables}"
  case " $tables " in
    *" order_statuses "*) fail "the half-way migration's table order_statuses is still there" ;;
    *" orders "*) ;;
    *) fail "schema erp has lost its tables" ;;
  esac
}

deployer validate "$SPEC" "$UPGRADE" "$FAULTY"

# Lab-only passwords; at a customer site these come from the engineer's environment or files.
export HUADONG_DB_ADMIN_PASSWORD="${HUADONG_DB_ADMIN_PASSWORD:-lab-admin-$(id -u)}"
export HUADONG_DB_APP_PASSWORD="${HUADONG_DB_APP_PASSWORD:-lab-app-$(id -u)}"

banner "Lab hosts app1 (nginx, Tomcat) and db1 (MariaDB) with the topology of $SPEC"
if deployer lab status "$SPEC" >/dev/null 2>&1; then
  # The scan is a pre-installation one: on hosts an earlier demo installed, it rightly finds
  # ports 80 and 8080 taken. A rehearsal starts from bare servers, so start from clean hosts.
  echo "the lab is already up from an earlier run: rebuilding it from clean hosts"
  deployer lab rebuild "$SPEC"
else
  deployer lab up "$SPEC"
fi
deployer lab status "$SPEC"

banner "Compatibility scan of the lab hosts against the product's support matrix"
deployer check "$SPEC" --lab --html examples/.deployer/check-report.html --lang zh

banner "Go-live of 1.0: database, schema v1, JDK, Tomcat, nginx and the release"
deployer apply "$SPEC" --lab -y
expect_health 1.0

banner "Plan of the 1.1 upgrade: ordered steps, what would change, pending migration V2"
deployer plan "$UPGRADE" --lab

banner "A faulty 1.1 (its V2 migration fails half-way) applied with --atomic: expect exit 8"
code=0
deployer apply "$FAULTY" --lab -y --atomic || code=$?
[ "$code" -eq 8 ] || fail "expected exit 8 (apply failed and was rolled back), got $code"
echo "exit code 8: the apply failed and deployer rolled it back by itself, as expected"

banner "After the automatic rollback: still 1.0 and healthy; the journal has the failed apply and its rollback"
expect_health 1.0
expect_schema_v1_tables
deployer runs "$SPEC" --lab

banner "The good 1.1 upgrade: migration V2, the new release live"
deployer apply "$UPGRADE" --lab -y
expect_health 1.1

banner "One-command rollback of the 1.1 upgrade: back to 1.0"
deployer rollback "$UPGRADE" --lab --last
expect_health 1.0

echo
echo "Rehearsal passed in $(elapsed). Signable report: examples/.deployer/check-report.html"
echo "The lab stays up for you to explore (deployer lab ssh $SPEC app1; deployer runs $SPEC --lab);"
echo "remove it with: deployer lab down $SPEC"
