/**
 * The scaling handover's handler (decision 0029), in Python: boto3 is in Lambda's Python runtime, so the code is
 * inlined into the template (CloudFormation's ZipFile, at most 4096 characters) and there is no bundle to build. It
 * lives in a TypeScript module so that the inference stack's import graph holds it: a change to it is a change to
 * what deploy-inference deploys. tests/scaling-handover.int.spec.ts runs this very text against moto server.
 */
export const SCALING_HANDOVER_HANDLER = String.raw`"""Gen3D scaling handover (docs/decisions/0029), a CloudFormation custom resource the endpoint depends on.
SageMaker refuses an endpoint update that changes the instance type of, or removes, a variant registered with
Application Auto Scaling. Before the endpoint moves to a configuration whose variant is KeepVariant, this takes
the endpoint's other variants out of auto scaling: their scaling policies, then their scalable targets.
Idempotent (what is already gone is skipped); Delete does nothing."""

import contextlib
import json
import urllib.request

import boto3

NAMESPACE = "sagemaker"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"


def release_other_variants(client, endpoint, keep):
    """Deregisters the scalable targets of the endpoint's variants other than keep; returns their ids."""
    prefix = f"endpoint/{endpoint}/variant/"
    pages = client.get_paginator("describe_scalable_targets").paginate(ServiceNamespace=NAMESPACE)
    others = sorted(
        t["ResourceId"]
        for page in pages
        for t in page["ScalableTargets"]
        if t["ResourceId"].startswith(prefix)
        and t["ResourceId"] != prefix + keep
        and t["ScalableDimension"] == DIMENSION
    )
    gone = client.exceptions.ObjectNotFoundException
    for resource_id in others:
        key = {"ServiceNamespace": NAMESPACE, "ResourceId": resource_id, "ScalableDimension": DIMENSION}
        for policy in client.describe_scaling_policies(**key)["ScalingPolicies"]:
            with contextlib.suppress(gone):
                client.delete_scaling_policy(PolicyName=policy["PolicyName"], **key)
        with contextlib.suppress(gone):
            client.deregister_scalable_target(**key)
    return others


def handler(event, context, client=None):
    props = event.get("ResourceProperties", {})
    body = {"Status": "SUCCESS", "Data": {}}
    try:
        if event["RequestType"] != "Delete":
            released = release_other_variants(
                client or boto3.client("application-autoscaling"), props["EndpointName"], props["KeepVariant"]
            )
            print(json.dumps({"released": released, "keep": props["KeepVariant"]}))
            body["Data"] = {"Released": " ".join(released)}
    except Exception as error:
        print(json.dumps({"error": repr(error)}))
        body = {"Status": "FAILED", "Reason": f"{type(error).__name__}: {error}"[:1000]}
    body.update(
        PhysicalResourceId=f"{props.get('EndpointName', 'endpoint')}-scaling-handover",
        StackId=event["StackId"],
        RequestId=event["RequestId"],
        LogicalResourceId=event["LogicalResourceId"],
    )
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=data, method="PUT", headers={"Content-Type": ""}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    return body
`;
