#!/usr/bin/env bash
# npm run reconstruct -- IN.png OUT.ply [--backend inflate] [--quality standard] [--point X,Y] [--mask M.png]
# Wraps the worker's CLI: exit 0 and a valid PLY, or exit 2 and one line on stderr naming the problem.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ ! -x "$root/.venv/bin/python" ]; then bash "$root/tools/scripts/setup.sh" >&2; fi
# The learned segmenter when set-up installed it (tools/scripts/fetch-model.mjs), unless told otherwise.
card="$root/.gen3d/models/isnet-medium/card.json"
if [ -z "${GEN3D_SEGMENTATION_MODEL:-}" ] && [ -f "$card" ] && [ "${GEN3D_SEGMENTER:-auto}" != classic ]; then
  export GEN3D_SEGMENTATION_MODEL="$card"
fi
exec "$root/.venv/bin/python" -m gen3d_worker "$@"
