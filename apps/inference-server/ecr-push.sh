#!/usr/bin/env bash
# Builds an inference image and pushes it to ECR repository gen3d-sam3d-inference (seed §5.1), tagged with the last
# commit that changed what the images are built from (image-tag.sh; immutable) after the profile's prefix
# (apps/infra/src/profiles.ts; each prefix has its own lifecycle rule, decision 0037). Needs a Docker engine and AWS
# credentials (CI on main); not runnable on the dev machines. `docs-cli.js image` prints a profile's two arguments.
#   ecr-push.sh Dockerfile gpu-           the GPU image (seed profile), tags gpu-<commit> and `latest` (the one tag that moves)
#   ecr-push.sh Dockerfile.sam3d sam3d-   the SAM 3D image, tag sam3d-<commit> only (sam3d/ecr-push.sh)
#   ecr-push.sh Dockerfile.cpu cpu-       the slim CPU image of the cpu profile, tag cpu-<commit> only
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
usage="usage: ecr-push.sh DOCKERFILE TAG_PREFIX (node dist/apps/infra/docs-cli.js image prints them)"
dockerfile="apps/inference-server/${1:?$usage}"
prefix="${2:?$usage}"
: "${AWS_ACCOUNT_ID:?AWS_ACCOUNT_ID is required}"
region="${AWS_REGION:-us-east-1}"
registry="$AWS_ACCOUNT_ID.dkr.ecr.$region.amazonaws.com"
image="$registry/gen3d-sam3d-inference"
tag="$prefix$(bash apps/inference-server/image-tag.sh)"
# Commit tags are immutable in the repository: a rerun for a commit already pushed (a retried CI run) has nothing to do.
if aws ecr describe-images --region "$region" --repository-name gen3d-sam3d-inference \
  --image-ids imageTag="$tag" >/dev/null 2>&1; then
  echo "ecr-push: $image:$tag is already in the repository"
  exit 0
fi
command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "ecr-push: no Docker engine here" >&2; exit 1; }
test -f dist/apps/inference-server/main.js || { echo "ecr-push: build the sidecar first (npx nx build inference-server)" >&2; exit 1; }
aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry"
# Only the GPU image moves `latest` (profiles.ts LATEST_PROFILE): every other tag in the repository is immutable.
if [ "$prefix" = "gpu-" ]; then
  docker buildx build --load -f "$dockerfile" -t "$image:$tag" -t "$image:latest" .
  docker push "$image:latest"
else
  docker buildx build --load -f "$dockerfile" -t "$image:$tag" .
fi
docker push "$image:$tag"
echo "pushed $image:$tag"
