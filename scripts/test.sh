#!/usr/bin/env bash
# The test command: set up, then lint, type-check, check import layers, and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff";        ruff check src tests bench
echo "== mypy";        mypy
echo "== import layers"; lint-imports
echo "== pytest";      pytest "$@"
