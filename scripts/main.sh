#!/usr/bin/env bash
# The main job: set up .venv (ember with its extras), get Fashion-MNIST from Debian's
# dataset-fashion-mnist package when apt is available, and train d2l's LeNet on it:
#     bash scripts/main.sh [extra 'ember train lenet' options, e.g. --epochs 2]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-env.sh
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && command -v apt-get >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq dataset-fashion-mnist
fi
exec .venv/bin/ember train lenet --out runs/lenet "$@"
