#!/usr/bin/env bash
# Builds the container and pushes it to ECR repository gen3d-sam3d-inference (seed §5.1), tagged with the git
# commit and `latest`. Needs a Docker engine and AWS credentials (CI on main); not runnable on the dev machines.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
: "${AWS_ACCOUNT_ID:?AWS_ACCOUNT_ID is required}"
region="${AWS_REGION:-us-east-1}"
registry="$AWS_ACCOUNT_ID.dkr.ecr.$region.amazonaws.com"
image="$registry/gen3d-sam3d-inference"
tag="$(git rev-parse --short=12 HEAD)"
command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "ecr-push: no Docker engine here" >&2; exit 1; }
aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry"
docker build -f apps/inference-server/Dockerfile -t "$image:$tag" -t "$image:latest" .
docker push "$image:$tag"
docker push "$image:latest"
echo "pushed $image:$tag"
