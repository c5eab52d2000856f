#!/usr/bin/env bash
# The main job: set up, build every project, and serve the web UI on http://127.0.0.1:${WEB_PORT:-4200}.
# (The local pipeline, with object store, events, inference runner and email outbox, joins here as it lands.)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
GEN3D_SKIP_TORCHSERVE=1 bash tools/scripts/setup.sh
export NX_DAEMON=false NX_NO_CLOUD=true
echo "projects:"; npx nx show projects | sed 's/^/  /'
npx nx run-many -t build --outputStyle=static
exec npx nx run web:serve
