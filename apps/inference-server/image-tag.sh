#!/usr/bin/env bash
# The tag of the inference images at the checked-out commit: the last commit that changed what they are built from
# (IMAGE_INPUTS), as 12 hex digits. A deploy whose change leaves the images alone (an IAM grant, an alarm) so runs the
# image already in the repository: no rebuild, no push, and no endpoint swap to an identical model. The same paths
# trigger .github/workflows/images.yml (a test keeps the two lists equal). Needs the history (fetch-depth: 0); in a
# clone without it, the checked-out commit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
IMAGE_INPUTS=(
  apps/inference-server
  libs/events
  libs/jobs
  libs/logging
  libs/object-store
  libs/runtime
  libs/s3-keys
  libs/sidecar
  .dockerignore
  package-lock.json
)
commit="$(git log -1 --format=%H -- "${IMAGE_INPUTS[@]}")"
git rev-parse --short=12 "${commit:-HEAD}"
