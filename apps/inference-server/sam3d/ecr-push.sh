#!/usr/bin/env bash
# Builds the SAM 3D image (apps/inference-server/Dockerfile.sam3d) and pushes it to the ECR repository
# gen3d-sam3d-inference as `sam3d-<commit>`, beside the GPU image that ../ecr-push.sh pushes as `gpu-<commit>`. Only
# `latest` may move in that repository (its other tags are immutable), so this image has no moving tag: a deployment
# of the sam3d backend names its commit (GEN3D_IMAGE_TAG=sam3d-<commit>). Needs a Docker engine with buildx and AWS
# credentials (the images workflow on main); the sidecar must be built first (npx nx build inference-server).
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../ecr-push.sh" Dockerfile.sam3d sam3d-
