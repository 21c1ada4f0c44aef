#!/usr/bin/env bash
# The main job on this machine, end to end: install deployer, validate the example customer
# environment, build throwaway lab hosts with its topology, and run the pre-installation
# compatibility scan against them (report in the terminal and as a signable HTML page).
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
echo
echo "Signable report: examples/.deployer/check-report.html"
echo "The lab stays up for you to explore (deployer lab ssh $SPEC app1);"
echo "remove it with: deployer lab down $SPEC"
