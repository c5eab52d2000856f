import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { runCheckov, skipCheckov, type CheckovReport } from './checkov';
import { EVERY_OPTION_CONTEXT } from './synth';
import { synthesize, type Synthesized } from './testing';
import { workspaceRoot } from './workspace';

// checkov (a third checker beside cdk-nag and cfn-lint) on every template the app synthesizes: the defaults and every
// optional resource. A finding fails the test unless the resource skips it in its Metadata with a reason
// (skipCheckov, next to the construct it concerns).
const root = workspaceRoot();
const templatesOf = (app: Synthesized) => app.stacks.map((s) => join(app.assembly.directory, s.templateFile));

describe('checkov on the synthesized templates', () => {
  let report: CheckovReport;
  beforeAll(() => {
    const production = synthesize();
    const everyOption = synthesize(EVERY_OPTION_CONTEXT);
    report = runCheckov(root, [...templatesOf(production), ...templatesOf(everyOption)]);
  }, 300_000);

  it('fails no check on any template (default and every option)', () => {
    expect(report.failed).toEqual([]);
    expect(report.passed).toBeGreaterThan(100);
  });

  it('skips a check only with a reason written next to the resource', () => {
    expect(report.skipped.length).toBeGreaterThan(0);
    for (const skip of report.skipped)
      expect([skip.check, skip.resource, skip.comment.length > 40]).toEqual([
        skip.check,
        skip.resource,
        true,
      ]);
  });

  it('finds nothing to skip about the roles’ S3 writes: no policy writes without constraints (CKV_AWS_111)', () => {
    expect(report.skipped.filter((s) => s.check === 'CKV_AWS_111')).toEqual([]);
  });
});

describe('skipCheckov', () => {
  /** A bucket without access logs (CKV_AWS_18) as a one-stack template, optionally skipped. */
  const bucketTemplate = (skip: boolean): string => {
    const stack = new Stack(new App(), 'Probe');
    const bucket = new s3.Bucket(stack, 'Bucket', {
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    });
    if (skip) skipCheckov(bucket, 'CKV_AWS_18', 'A probe bucket of this test: no access logs on purpose.');
    const file = join(mkdtempSync(join(tmpdir(), 'gen3d-checkov-')), 'Probe.template.json');
    writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON()));
    return file;
  };

  it('turns a failed check into a skipped one that carries the reason (checkov reads Metadata.checkov.skip)', () => {
    const failing = runCheckov(root, [bucketTemplate(false)]);
    expect(failing.failed.map((f) => f.check)).toContain('CKV_AWS_18');
    const skipped = runCheckov(root, [bucketTemplate(true)]);
    expect(skipped.failed.map((f) => f.check)).not.toContain('CKV_AWS_18');
    expect(skipped.skipped).toEqual([
      expect.objectContaining({
        check: 'CKV_AWS_18',
        comment: 'A probe bucket of this test: no access logs on purpose.',
      }),
    ]);
  }, 120_000);

  it('refuses a skip without a reason, or of something that is not a check id', () => {
    const stack = new Stack(new App(), 'Probe');
    const bucket = new s3.Bucket(stack, 'Bucket');
    expect(() => skipCheckov(bucket, 'CKV_AWS_18', 'because')).toThrow(/reason/);
    expect(() => skipCheckov(bucket, 'S3_LOGS', 'A reason long enough to be one, but no check id.')).toThrow(
      /check id/,
    );
  });

  it('adds one entry per check to a resource, keeping those already there', () => {
    const stack = new Stack(new App(), 'Probe');
    const bucket = new s3.Bucket(stack, 'Bucket');
    skipCheckov(bucket, 'CKV_AWS_18', 'The first reason, long enough to be read.');
    skipCheckov(bucket, 'CKV_AWS_21', 'The second reason, long enough to be read.');
    skipCheckov(bucket, 'CKV_AWS_18', 'The first reason, long enough to be read.');
    expect((bucket.node.defaultChild as s3.CfnBucket).getMetadata('checkov')).toEqual({
      skip: [
        { id: 'CKV_AWS_18', comment: 'The first reason, long enough to be read.' },
        { id: 'CKV_AWS_21', comment: 'The second reason, long enough to be read.' },
      ],
    });
  });
});
