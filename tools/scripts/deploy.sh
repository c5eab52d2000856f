#!/usr/bin/env bash
# Deploys one CDK stack of apps/infra. Called by each project's `deploy` target, so `nx affected -t deploy`
# deploys only the stacks of the projects that changed. Needs AWS credentials: CI gets them by OIDC.
set -euo pipefail
stack="${1:?usage: deploy.sh STACK_NAME}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
app="node dist/apps/infra/main.js"
# `cdk list` prints "ID" or, when the CloudFormation name differs (the sandbox stage), "ID (NAME)".
if ! npx cdk list --app "$app" 2>/dev/null | grep -Eq "^${stack}( \(|$)"; then
  echo "deploy: the CDK app defines no stack named $stack yet (see apps/infra/src/app.ts)" >&2
  exit 1
fi
exec npx cdk deploy --app "$app" "$stack" --exclusively --require-approval never
