#!/usr/bin/env bash
# Builds the model archive gen3d.mar into the folder given (default: dist/model-store). The handler imports the
# installed gen3d_worker package, so the archive holds only the handler; weights live in GEN3D_SAM3D_MODEL_DIR.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../../../../dist/model-store}"
archiver="${TORCH_MODEL_ARCHIVER:-torch-model-archiver}"
mkdir -p "$out"
"$archiver" --model-name gen3d --version 0.1.0 \
  --handler "$here/../src/gen3d_worker/hosts/torchserve_handler.py" \
  --export-path "$out" --force
echo "$out/gen3d.mar"
