#!/usr/bin/env bash
# The main job: set up .venv (ember with its extras), get Fashion-MNIST from Debian's
# dataset-fashion-mnist package when apt is available, and train d2l's LeNet on it:
#     bash scripts/main.sh [extra 'ember train lenet' options, e.g. --epochs 2]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-env.sh
bash scripts/fetch-data.sh
exec .venv/bin/ember train lenet --out runs/lenet "$@"
