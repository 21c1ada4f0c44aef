#!/usr/bin/env bash
# The test command: set up, then lint, type-check, check import layers, and run every test.
# Without arguments the lab tests run, and beside them the unit tests under coverage.py (its
# report printed: the orchestration modules named in pyproject.toml), then every other test
# folder (tools, integration). With arguments it is plain `pytest "$@"`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff";        ruff check src tests bench
echo "== mypy";        mypy
echo "== import layers"; lint-imports
if [ "$#" -gt 0 ]; then
    echo "== pytest";  exec pytest "$@"
fi

# Every folder under tests/ except the unit tests, the lab tests and the shared data and helpers.
others=()
for folder in tests/*/; do
    case "$folder" in
        tests/unit/ | tests/lab/ | tests/fixtures/ | tests/support/ | tests/__pycache__/) ;;
        *) others+=("${folder%/}") ;;
    esac
done

# A lab test spends about a third of its time waiting on its hosts (packages unpacking, servers
# starting, health checks) with a core idle, so the tests that need no lab host run beside the
# lab tests, in a pytest of their own with its own temporary folder; their output follows the lab
# tests'. A failure in one part does not hide the others' results; the status says whether all
# passed.
status=0
beside=$(mktemp -d)
(
    part=0
    echo "== pytest tests/unit (coverage)"
    coverage run -m pytest -p no:cacheprovider tests/unit || part=$?
    echo "== coverage";    coverage report || part=$?
    echo "== pytest ${others[*]}"
    pytest -p no:cacheprovider --basetemp="$beside/tmp" --durations=10 "${others[@]}" || part=$?
    exit "$part"
) > "$beside/log" 2>&1 &
beside_pid=$!
echo "== pytest tests/lab (tests/unit and ${others[*]} run beside it; their output follows)"
pytest --durations=40 tests/lab || status=$?
wait "$beside_pid" || status=$?
cat "$beside/log"
rm -rf "$beside"
exit "$status"
