import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildGen3DApp, type Gen3DApp } from './app';
import type { StackTemplate } from './inventory';

export interface SynthesizedApp extends Gen3DApp {
  readonly assembly: CloudAssembly;
  /** Every stack's template, in the app's order. */
  readonly templates: StackTemplate[];
}

/**
 * Synthesizes the app in this process into a fresh folder (cdk-nag included: it throws on an unacknowledged
 * finding). Without CDK_DEFAULT_ACCOUNT the account stays `${AWS::AccountId}`, so the output is the same anywhere.
 */
export function synthesizeGen3D(
  context: Readonly<Record<string, string>> = {},
  env: Record<string, string | undefined> = {},
): SynthesizedApp {
  const outdir = mkdtempSync(join(tmpdir(), 'gen3d-cdk-'));
  const built = buildGen3DApp(new App({ context: { ...context }, outdir }), env);
  const assembly = built.app.synth();
  const templates = built.stacks.map((stack) => ({
    id: stack.node.id,
    stackName: stack.stackName,
    template: assembly.getStackArtifact(stack.artifactId).template as StackTemplate['template'],
  }));
  return { ...built, assembly, templates };
}

/** The context that turns every optional resource on: the inventory's second section, the cfn-lint run. */
export const EVERY_OPTION_CONTEXT: Readonly<Record<string, string>> = Object.freeze({
  'gen3d:alarmEmail': 'alarms@example.com',
  'gen3d:webOrigin': 'https://d111111abcdef8.cloudfront.net',
  'gen3d:glacierArchive': 'true',
  'gen3d:cloudTrail': 'true',
  'gen3d:configRules': 'true',
  'gen3d:drReplica': 'true',
  'gen3d:s3RequestMetrics': 'true',
  'gen3d:s3AccessLogs': 'true',
  'gen3d:apiFirewall': 'true',
});
