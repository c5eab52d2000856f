#!/usr/bin/env bash
# Builds the SAM 3D image (apps/inference-server/Dockerfile.sam3d) and pushes it to the ECR repository
# gen3d-sam3d-inference as `sam3d-<commit>`, beside the GPU image that ../ecr-push.sh pushes as `<commit>`. Only
# `latest` may move in that repository (its other tags are immutable), so this image has no moving tag: a deployment
# of the sam3d backend names its commit (GEN3D_IMAGE_TAG=sam3d-<commit>). Needs a Docker engine with buildx and AWS
# credentials (the images workflow on main); the sidecar must be built first (npx nx build inference-server).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
: "${AWS_ACCOUNT_ID:?AWS_ACCOUNT_ID is required}"
region="${AWS_REGION:-us-east-1}"
registry="$AWS_ACCOUNT_ID.dkr.ecr.$region.amazonaws.com"
image="$registry/gen3d-sam3d-inference"
tag="sam3d-$(git rev-parse --short=12 HEAD)"
# A rerun for a commit already pushed (a retried CI run) has nothing to do: the tag is immutable.
if aws ecr describe-images --region "$region" --repository-name gen3d-sam3d-inference \
  --image-ids imageTag="$tag" >/dev/null 2>&1; then
  echo "ecr-push: $image:$tag is already in the repository"
  exit 0
fi
command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "ecr-push: no Docker engine here" >&2; exit 1; }
test -f dist/apps/inference-server/main.js || { echo "ecr-push: build the sidecar first (npx nx build inference-server)" >&2; exit 1; }
aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry"
docker buildx build --load -f apps/inference-server/Dockerfile.sam3d -t "$image:$tag" .
docker push "$image:$tag"
echo "pushed $image:$tag"
