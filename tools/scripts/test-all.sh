#!/usr/bin/env bash
# Every test of every project: lint (ESLint, ruff), type-check (tsc, mypy), unit and integration tests (Jest, pytest),
# builds, and the workspace checks (module boundaries, dependency graph).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
bash tools/scripts/setup.sh
export NX_DAEMON=false NX_NO_CLOUD=true
npx nx run-many -t lint typecheck test build --outputStyle=static
# The web app in headless Chromium (Debian's package) against the local stack: upload, progress, viewer, email link.
npx nx run web:e2e --outputStyle=static
npx prettier --check . --log-level warn
npx node --test 'tools/checks/*.test.mjs'
