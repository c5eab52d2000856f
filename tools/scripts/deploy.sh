#!/usr/bin/env bash
# Deploys one CDK stack of apps/infra. Called by the `deploy` target of its project under apps/infra/deploy/, which
# `nx run infra:deploy-affected` runs for each affected stack in the order of apps/infra/src/deploy-order.ts.
# Needs AWS credentials: CI gets them by OIDC.
#   deploy.sh STACK              fails when the CDK app defines no such stack
#   deploy.sh STACK --if-defined  a stack only some settings define (Gen3DReplicaStack: gen3d:drReplica): skips it
set -euo pipefail
stack="${1:?usage: deploy.sh STACK_NAME [--if-defined]}"
if_defined="${2:-}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
app="node dist/apps/infra/main.js"
if ! stacks="$(npx cdk list --app "$app" 2>/dev/null)"; then
  echo "deploy: the CDK app does not synthesize: npx cdk list --app '$app' says why" >&2
  exit 1
fi
# `cdk list` prints "ID" or, when the CloudFormation name differs (the sandbox stage), "ID (NAME)".
if ! grep -Eq "^${stack}( \(|$)" <<<"$stacks"; then
  if [ "$if_defined" = "--if-defined" ]; then
    echo "deploy: this deployment's settings define no $stack; nothing to deploy"
    exit 0
  fi
  echo "deploy: the CDK app defines no stack named $stack yet (see apps/infra/src/app.ts)" >&2
  exit 1
fi
exec npx cdk deploy --app "$app" "$stack" --exclusively --require-approval never
