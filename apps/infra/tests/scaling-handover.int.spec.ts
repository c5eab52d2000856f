import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SCALING_HANDOVER_HANDLER } from '../src/constructs/scaling-handover-handler';
import { workspaceRoot } from '../src/workspace';

// The scaling handover's handler (decision 0029), the very text the template inlines, run by the repository's Python
// with boto3 against moto server's Application Auto Scaling; CloudFormation's response URL is a server of this test.
const root = workspaceRoot();
const python = join(root, '.venv/bin/python');
const handlerFile = join(mkdtempSync(join(tmpdir(), 'gen3d-handover-')), 'index.py');
writeFileSync(handlerFile, SCALING_HANDOVER_HANDLER);
const moto = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const DIMENSION = 'sagemaker:variant:DesiredInstanceCount';

/** Runs Python with the handler module imported as `h` and a boto3 client `c` bound to `endpoint`. */
async function runPython(body: string, endpoint = moto): Promise<unknown> {
  const program = [
    'import importlib.util, json, sys, boto3, botocore.config',
    `spec = importlib.util.spec_from_file_location("h", ${JSON.stringify(handlerFile)})`,
    'h = importlib.util.module_from_spec(spec); spec.loader.exec_module(h)',
    'c = boto3.client("application-autoscaling", endpoint_url=sys.argv[1], region_name="us-east-1",',
    '    aws_access_key_id="testing", aws_secret_access_key="testing",',
    '    config=botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=2))',
    body,
  ].join('\n');
  const { stdout } = await promisify(execFile)(python, ['-c', program, endpoint], { encoding: 'utf8' });
  const last = stdout.trim().split('\n').at(-1) ?? 'null';
  return JSON.parse(last);
}

const resourceId = (endpoint: string, variant: string) => `endpoint/${endpoint}/variant/${variant}`;

/** Registers variants ([endpoint, variant] pairs) with two policies each, as the inference stack does. */
function register(...variants: [string, string][]): Promise<unknown> {
  const keys = variants.map(([endpoint, variant]) => ({
    ServiceNamespace: 'sagemaker',
    ResourceId: resourceId(endpoint, variant),
    ScalableDimension: DIMENSION,
  }));
  return runPython(
    [
      `for key in json.loads(${JSON.stringify(JSON.stringify(keys))}):`,
      ' c.register_scalable_target(MinCapacity=0, MaxCapacity=3, **key)',
      ' c.put_scaling_policy(PolicyName="BacklogPerInstance", PolicyType="TargetTrackingScaling", **key,',
      '    TargetTrackingScalingPolicyConfiguration={"TargetValue": 4.0, "CustomizedMetricSpecification": {',
      '        "MetricName": "ApproximateBacklogSizePerInstance", "Namespace": "AWS/SageMaker",',
      '        "Dimensions": [{"Name": "EndpointName", "Value": key["ResourceId"].split("/")[1]}], "Statistic": "Average"}})',
      ' c.put_scaling_policy(PolicyName="ScaleOutFromZero", PolicyType="StepScaling", **key,',
      '    StepScalingPolicyConfiguration={"AdjustmentType": "ChangeInCapacity",',
      '        "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]})',
      'print("null")',
    ].join('\n'),
  );
}

/** What is registered now: resource id → its policy names. */
function registered(): Promise<Record<string, string[]>> {
  return runPython(
    [
      'out = {}',
      'for t in c.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]:',
      '    ps = c.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=t["ResourceId"],',
      '                                     ScalableDimension=t["ScalableDimension"])["ScalingPolicies"]',
      '    out[t["ResourceId"]] = sorted(p["PolicyName"] for p in ps)',
      'print(json.dumps(out))',
    ].join('\n'),
  ) as Promise<Record<string, string[]>>;
}

/** CloudFormation's side: a response URL that records what the handler PUTs to it. */
function responseCatcher(): Promise<{ url: string; bodies: unknown[]; server: Server }> {
  const bodies: unknown[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      bodies.push({ method: request.method, ...JSON.parse(text) });
      response.end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`, bodies, server }),
    ),
  );
}

function event(url: string, requestType: 'Create' | 'Update' | 'Delete', endpoint: string, keep: string) {
  return {
    RequestType: requestType,
    ResponseURL: url,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Gen3DInferenceStack/guid',
    RequestId: `request-${requestType}`,
    LogicalResourceId: 'ScalingHandover23DE9CF6',
    ResourceType: 'Custom::ScalingHandover',
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:…', EndpointName: endpoint, KeepVariant: keep },
  };
}

const handle = (e: unknown, endpoint = moto) =>
  runPython(
    `print(json.dumps(h.handler(json.loads(${JSON.stringify(JSON.stringify(e))}), None, c)))`,
    endpoint,
  );

// Each step starts a Python with boto3 (about a second on a busy machine).
jest.setTimeout(60_000);

describe('the scaling handover handler against moto', () => {
  let catcher: Awaited<ReturnType<typeof responseCatcher>>;
  // A name of this test's own: moto's state is shared by the whole run.
  const endpoint = `HandoverTest${Date.now()}`;
  const neighbour = `${endpoint}Other`;

  beforeAll(async () => {
    catcher = await responseCatcher();
    await register(
      [endpoint, 'AllTraffic'], // the seed's variant, before variants were named after instance types
      [endpoint, 'AllTraffic-g4dn-xlarge'],
      [endpoint, 'AllTraffic-g5-xlarge'], // registered already: a retried update
      [neighbour, 'AllTraffic-g4dn-xlarge'],
    );
  });
  afterAll(() => new Promise<void>((resolve) => catcher.server.close(() => resolve())));

  it('takes the other variants of the endpoint out of auto scaling, policies first, and answers SUCCESS', async () => {
    const answer = await handle(event(catcher.url, 'Update', endpoint, 'AllTraffic-g5-xlarge'));
    const now = await registered();
    expect(now[resourceId(endpoint, 'AllTraffic')]).toBeUndefined();
    expect(now[resourceId(endpoint, 'AllTraffic-g4dn-xlarge')]).toBeUndefined();
    expect(now[resourceId(endpoint, 'AllTraffic-g5-xlarge')]).toEqual([
      'BacklogPerInstance',
      'ScaleOutFromZero',
    ]);
    // Another endpoint whose name starts with this one's is not this endpoint.
    expect(now[resourceId(neighbour, 'AllTraffic-g4dn-xlarge')]).toEqual([
      'BacklogPerInstance',
      'ScaleOutFromZero',
    ]);
    expect(catcher.bodies.at(-1)).toEqual({
      method: 'PUT',
      Status: 'SUCCESS',
      Data: {
        Released: [resourceId(endpoint, 'AllTraffic'), resourceId(endpoint, 'AllTraffic-g4dn-xlarge')].join(
          ' ',
        ),
      },
      PhysicalResourceId: `${endpoint}-scaling-handover`,
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Gen3DInferenceStack/guid',
      RequestId: 'request-Update',
      LogicalResourceId: 'ScalingHandover23DE9CF6',
    });
    expect(answer).toMatchObject({ Status: 'SUCCESS' });
  });

  it('is idempotent: a second run finds nothing to release and succeeds', async () => {
    await handle(event(catcher.url, 'Update', endpoint, 'AllTraffic-g5-xlarge'));
    expect(catcher.bodies.at(-1)).toMatchObject({ Status: 'SUCCESS', Data: { Released: '' } });
    expect((await registered())[resourceId(endpoint, 'AllTraffic-g5-xlarge')]).toHaveLength(2);
  });

  it('releases nothing on Delete (the endpoint and the scalable target resources go their own way)', async () => {
    await register([endpoint, 'AllTraffic-g6-xlarge']);
    await handle(event(catcher.url, 'Delete', endpoint, 'AllTraffic-g5-xlarge'));
    expect(catcher.bodies.at(-1)).toMatchObject({ Status: 'SUCCESS', RequestId: 'request-Delete' });
    expect(await registered()).toHaveProperty([resourceId(endpoint, 'AllTraffic-g6-xlarge')]);
  });

  it('passes the worker’s Python checks (ruff, as apps/inference-server/worker configures it)', () => {
    const config = join(root, 'apps/inference-server/worker/pyproject.toml');
    const ruff = join(root, '.venv/bin/ruff');
    expect(() =>
      execFileSync(ruff, ['check', '--config', config, handlerFile], { encoding: 'utf8' }),
    ).not.toThrow();
    expect(() =>
      execFileSync(ruff, ['format', '--check', '--config', config, handlerFile], { encoding: 'utf8' }),
    ).not.toThrow();
  });

  it('answers FAILED with the reason when Application Auto Scaling cannot be reached, so the update stops there', async () => {
    const closed = 'http://127.0.0.1:9';
    const answer = await handle(event(catcher.url, 'Update', endpoint, 'AllTraffic-g5-xlarge'), closed);
    expect(answer).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringMatching(/EndpointConnectionError/),
    });
    expect(catcher.bodies.at(-1)).toMatchObject({
      method: 'PUT',
      Status: 'FAILED',
      RequestId: 'request-Update',
    });
    expect(await registered()).toHaveProperty([resourceId(endpoint, 'AllTraffic-g6-xlarge')]);
  });
});
