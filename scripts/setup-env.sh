#!/usr/bin/env bash
# Create .venv (if missing) and install ember with its test extras.
# torch==2.13.0 (CPU) is a test-only dependency: pip takes the wheel from the
# machine's disk when present; the pin keeps pip from resolving another version.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e ".[test,extras]" "torch==2.13.0"
