#!/usr/bin/env bash
# The main job: set up, build, and run the whole pipeline on this machine (the local stack: folder-backed store,
# S3-style events, the extract and notify handlers, SageMaker-style async inference on the real sidecar and worker,
# an .eml outbox) with the web UI, until Ctrl-C. Settings (all optional): GEN3D_STACK_PORT (4300),
# GEN3D_BIND_HOST (127.0.0.1), GEN3D_HOME (.gen3d), GEN3D_DATA_DIR, GEN3D_OUTBOX_DIR, MAX_CONCURRENT_INVOCATIONS,
# GEN3D_LOG_FORMAT (pretty on a terminal, json otherwise). See apps/local-stack/README.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
GEN3D_SKIP_TORCHSERVE=1 GEN3D_SKIP_CHROMIUM=1 bash tools/scripts/setup.sh
export NX_DAEMON=false NX_NO_CLOUD=true
echo "building the local stack, the inference sidecar, the web UI and the CLI..."
npx nx run-many -t build -p local-stack inference-server web cli --outputStyle=static >/dev/null
# exec: Ctrl-C reaches the stack itself, which stops its sidecar and worker host before it exits.
exec node dist/apps/local-stack/main.js
