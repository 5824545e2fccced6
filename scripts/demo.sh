#!/usr/bin/env bash
# The main job until the training toolkit exists: set up, then fit a linear model with autograd.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-env.sh
.venv/bin/python examples/autograd_linear_regression.py
