import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { SCALING_HANDOVER_HANDLER } from './constructs/scaling-handover-handler';
import { defined, synthesize, type CloudFormationTemplate } from './testing';
import { workspaceRoot } from './workspace';

// Changing the instance type in one deploy (docs/decisions/0029): the templates before (the seed's ml.g4dn.xlarge)
// and after (ml.g5.xlarge), compared by the CDK CLI's own diff (its replacement rules come from the CloudFormation
// resource specification), and the order CloudFormation must follow, read from the template's references.
const before = synthesize({}, {});
const after = synthesize({ 'gen3d:instanceType': 'ml.g5.xlarge' }, {});
const INFERENCE = 'Gen3DInferenceStack';

/** `cdk diff` of a stack: the new assembly against the old template, offline (no account is read). */
function cdkDiff(stack: string): string {
  const cdk = join(workspaceRoot(), 'node_modules', '.bin', 'cdk');
  const oldTemplate = join(before.assembly.directory, `${stack}.template.json`);
  return execFileSync(
    cdk,
    [
      'diff',
      stack,
      '--app',
      after.assembly.directory,
      '--template',
      oldTemplate,
      '--no-notices',
      '--no-color',
    ],
    {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], AWS_REGION: 'us-east-1', CI: 'true' },
    },
  );
}

/** The resources a diff changes: logical id → `replace` or `update`. */
function changedResources(diff: string): Record<string, 'replace' | 'update'> {
  const changes: Record<string, 'replace' | 'update'> = {};
  for (const [, rest] of diff.matchAll(/^\[~\] \S+ (.+)$/gm)) {
    const words = (rest as string).trim().split(/\s+/);
    const replace = words.at(-1) === 'replace';
    const logicalId = defined(replace ? words.at(-2) : words.at(-1), 'logical id');
    changes[logicalId] = replace ? 'replace' : 'update';
  }
  return changes;
}

/** The logical ids a resource waits for: DependsOn, Ref and Fn::GetAtt. */
function waitsFor(template: CloudFormationTemplate, logicalId: string): Set<string> {
  const resource = defined(template.Resources[logicalId], logicalId);
  const found = new Set<string>([resource['DependsOn'] ?? []].flat() as string[]);
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'Ref' && typeof inner === 'string' && inner in template.Resources) found.add(inner);
        else if (key === 'Fn::GetAtt' && Array.isArray(inner)) found.add(String(inner[0]));
        else walk(inner);
      }
    }
  };
  walk(resource.Properties);
  return found;
}

/** Whether `later` waits for `earlier`, directly or through other resources. */
function comesAfter(template: CloudFormationTemplate, later: string, earlier: string): boolean {
  const seen = new Set<string>();
  const queue = [later];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    for (const dep of waitsFor(template, id)) {
      if (dep === earlier) return true;
      if (seen.has(dep)) continue;
      seen.add(dep);
      queue.push(dep);
    }
  }
  return false;
}

const logicalIdOf = (template: CloudFormationTemplate, type: string) =>
  Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id);

describe('changing the instance type (ml.g4dn.xlarge → ml.g5.xlarge)', () => {
  const diff = cdkDiff(INFERENCE);
  const changes = changedResources(diff);
  const template = after.json(INFERENCE);
  const [handover] = logicalIdOf(template, 'Custom::ScalingHandover');

  it('replaces the endpoint configuration and the scaling resources, updates the handover, keeps the model', () => {
    expect(changes).toEqual({
      EndpointConfig: 'replace',
      ScalableTarget: 'replace',
      BacklogTracking: 'replace',
      ScaleOutFromZero: 'replace',
      [defined(handover, 'the handover')]: 'update',
    });
    expect(diff).toContain('[-] endpoint/Gen3DSAMAsyncEndpoint/variant/AllTraffic-g4dn-xlarge');
    expect(diff).toContain('[+] endpoint/Gen3DSAMAsyncEndpoint/variant/AllTraffic-g5-xlarge');
  });

  it('names the new variant, configuration and policies after the new instance type; the endpoint keeps its name', () => {
    const config = defined(template.Resources['EndpointConfig'], 'config').Properties as {
      EndpointConfigName: string;
      ProductionVariants: { VariantName: string; InstanceType: string }[];
    };
    const oldConfig = defined(before.json(INFERENCE).Resources['EndpointConfig'], 'old config')
      .Properties as {
      EndpointConfigName: string;
    };
    expect(config.EndpointConfigName).not.toBe(oldConfig.EndpointConfigName);
    expect(config.ProductionVariants).toMatchObject([
      { VariantName: 'AllTraffic-g5-xlarge', InstanceType: 'ml.g5.xlarge' },
    ]);
    expect(template.Resources['Endpoint']?.Properties).toMatchObject({
      EndpointName: 'Gen3DSAMAsyncEndpoint',
      EndpointConfigName: { 'Fn::GetAtt': ['EndpointConfig', 'EndpointConfigName'] },
      RetainAllVariantProperties: true,
    });
    expect(template.Resources[defined(handover, 'handover')]?.Properties).toMatchObject({
      EndpointName: 'Gen3DSAMAsyncEndpoint',
      KeepVariant: 'AllTraffic-g5-xlarge',
    });
  });

  it('orders the update: handover, then the endpoint, then the new target and its policies', () => {
    const id = defined(handover, 'handover');
    expect(comesAfter(template, 'Endpoint', id)).toBe(true);
    expect(comesAfter(template, 'Endpoint', 'EndpointConfig')).toBe(true);
    expect(comesAfter(template, 'ScalableTarget', 'Endpoint')).toBe(true);
    expect(comesAfter(template, 'BacklogTracking', 'ScalableTarget')).toBe(true);
    expect(comesAfter(template, 'ScaleOutFromZero', 'ScalableTarget')).toBe(true);
    // No cycle, and the handover does not wait for what it must precede.
    expect(comesAfter(template, id, 'Endpoint')).toBe(false);
    expect(comesAfter(template, id, 'ScalableTarget')).toBe(false);
  });

  it('inlines the handler that tests/scaling-handover.int.spec.ts runs, on Python with boto3', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.map((f) => f.Properties)).toMatchObject([
      { Code: { ZipFile: SCALING_HANDOVER_HANDLER }, Handler: 'index.handler', Runtime: 'python3.13' },
    ]);
    expect(template.Resources[defined(handover, 'handover')]?.Properties?.['ServiceToken']).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^ScalingHandoverFunction/), 'Arn'],
    });
  });

  it('points the operations stack’s variant metrics at the new variant', () => {
    const alarms = Object.values(after.json('Gen3DOperationsStack').Resources).filter(
      (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties?.['MetricName'] === 'ModelLatency',
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.Properties?.['Dimensions']).toContainEqual({
      Name: 'VariantName',
      Value: 'AllTraffic-g5-xlarge',
    });
  });

  it('changes nothing in the scaling resources when the instance type stays', () => {
    const again = synthesize({ 'gen3d:instanceType': 'ml.g4dn.xlarge' }, {});
    expect(again.json(INFERENCE).Resources).toEqual(before.json(INFERENCE).Resources);
  });
});
