#!/usr/bin/env bash
# The main job, end to end on this machine: install deployer and validate the example customer
# environment (and the support matrix it references).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

deployer validate examples/huadong-production.yml
