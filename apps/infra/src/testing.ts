import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { synthesizeGen3D, type SynthesizedApp } from './synth';

export interface CloudFormationTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }>;
  Outputs?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Synthesized extends SynthesizedApp {
  /** The assertions view of a stack's template, by stack id (Gen3DStorageStack, …). */
  template(id: string): Template;
  /** The raw template of a stack, by stack id. */
  json(id: string): CloudFormationTemplate;
}

/** Synthesizes the app once for a test file (call it at the top of a describe and share the result). */
export function synthesize(
  context: Readonly<Record<string, string>> = {},
  env: Record<string, string | undefined> = {},
): Synthesized {
  const built = synthesizeGen3D(context, env);
  const stackById = (id: string): Stack => {
    const stack = built.stacks.find((s) => s.node.id === id);
    if (!stack) throw new Error(`no stack ${id} (stacks: ${built.stacks.map((s) => s.node.id).join(', ')})`);
    return stack;
  };
  return {
    ...built,
    template: (id) => Template.fromStack(stackById(id)),
    json: (id) =>
      built.assembly.getStackArtifact(stackById(id).artifactId).template as CloudFormationTemplate,
  };
}

/** The value, or a failed test naming what is missing. */
export function defined<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new Error(`${what} is missing`);
  return value;
}
