#!/usr/bin/env bash
# Installs everything the workspace needs, idempotently: npm packages (which bring Node 24 through the `node`
# package) and the Python venv of the reconstruction worker. Re-runs only what changed since the last run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
mkdir -p .gen3d/stamps

stamp_ok() { [ -f ".gen3d/stamps/$1" ] && [ "$(cat ".gen3d/stamps/$1")" = "$2" ]; }
hash_of() { cat "$@" | sha256sum | cut -c1-32; }

npm_hash=$(hash_of package.json package-lock.json)
if [ ! -x node_modules/.bin/node ] || ! stamp_ok npm "$npm_hash"; then
  echo "setup: npm ci (brings Node 24 via the 'node' package)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_hash" > .gen3d/stamps/npm
fi

worker=apps/inference-server/worker
py_hash=$(hash_of "$worker/requirements.txt" "$worker/requirements-dev.txt" "$worker/pyproject.toml")
if [ ! -x .venv/bin/python ] || ! stamp_ok venv "$py_hash"; then
  echo "setup: Python venv in .venv"
  python=${PYTHON:-python3.11}
  command -v "$python" >/dev/null || python=python3
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r "$worker/requirements-dev.txt"
  .venv/bin/python -m pip install --quiet --no-deps -e "$worker"
  echo "$py_hash" > .gen3d/stamps/venv
fi
echo "setup: ready (node $(node_modules/.bin/node --version), $(.venv/bin/python --version))"
