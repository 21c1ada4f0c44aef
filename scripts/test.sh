#!/usr/bin/env bash
# The test command: set up, then lint, type-check, check import layers, and run every test.
# Without arguments the unit tests run under coverage.py and its report is printed (the
# orchestration modules named in pyproject.toml), then every other test folder (tools,
# integration, lab) in one pytest run. With arguments it is plain `pytest "$@"`.
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

# Every folder under tests/ except the unit tests (run above) and the shared data and helpers.
others=()
for folder in tests/*/; do
    case "$folder" in
        tests/unit/ | tests/fixtures/ | tests/support/ | tests/__pycache__/) ;;
        *) others+=("${folder%/}") ;;
    esac
done

# A failure in one part does not hide the others' results; the status says whether all passed.
status=0
echo "== pytest tests/unit (coverage)"
coverage run -m pytest tests/unit || status=$?
echo "== coverage";    coverage report || status=$?
echo "== pytest ${others[*]}"
pytest --durations=25 "${others[@]}" || status=$?
exit "$status"
