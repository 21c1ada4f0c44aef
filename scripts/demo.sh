#!/usr/bin/env bash
# The main job on this machine, end to end: install deployer, validate the example customer
# environment, build throwaway lab hosts with its topology, run the pre-installation
# compatibility scan against them (report in the terminal and as a signable HTML page), then
# deploy the product (MariaDB, schema and migrations, JDK, Tomcat, nginx, the release) and ask
# it, through nginx, for its health.
# Needs root for the lab (network namespaces, mounts); the first run builds the lab's base
# image (about two minutes), later runs take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
SPEC=examples/huadong-production.yml

deployer validate "$SPEC" examples/huadong-production-1.1.yml
if ! deployer lab status "$SPEC" >/dev/null 2>&1; then
  deployer lab up "$SPEC"
fi
deployer lab status "$SPEC"
deployer check "$SPEC" --lab --html examples/.deployer/check-report.html --lang zh

# Lab-only passwords; at a customer site these come from the engineer's environment or files.
export HUADONG_DB_ADMIN_PASSWORD="${HUADONG_DB_ADMIN_PASSWORD:-lab-admin-$(id -u)}"
export HUADONG_DB_APP_PASSWORD="${HUADONG_DB_APP_PASSWORD:-lab-app-$(id -u)}"
deployer apply "$SPEC" --lab -y
deployer runs "$SPEC" --lab
echo "The product, through nginx on app1:"
deployer lab ssh "$SPEC" app1 -- curl -s http://localhost/erp/health.jsp
echo
echo "Signable report: examples/.deployer/check-report.html"
echo "The lab stays up for you to explore (deployer lab ssh $SPEC app1);"
echo "remove it with: deployer lab down $SPEC"
