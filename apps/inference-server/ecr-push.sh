#!/usr/bin/env bash
# Builds the container and pushes it to ECR repository gen3d-sam3d-inference (seed §5.1), tagged with the git
# commit (immutable) and `latest` (the one tag that moves). Needs a Docker engine and AWS credentials (CI on main);
# not runnable on the dev machines.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
: "${AWS_ACCOUNT_ID:?AWS_ACCOUNT_ID is required}"
region="${AWS_REGION:-us-east-1}"
registry="$AWS_ACCOUNT_ID.dkr.ecr.$region.amazonaws.com"
image="$registry/gen3d-sam3d-inference"
tag="$(git rev-parse --short=12 HEAD)"
# Commit tags are immutable in the repository: a rerun for a commit already pushed (a retried CI run) has nothing to do.
if aws ecr describe-images --region "$region" --repository-name gen3d-sam3d-inference \
  --image-ids imageTag="$tag" >/dev/null 2>&1; then
  echo "ecr-push: $image:$tag is already in the repository"
  exit 0
fi
command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "ecr-push: no Docker engine here" >&2; exit 1; }
aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry"
docker build -f apps/inference-server/Dockerfile -t "$image:$tag" -t "$image:latest" .
docker push "$image:$tag"
docker push "$image:latest"
echo "pushed $image:$tag"
