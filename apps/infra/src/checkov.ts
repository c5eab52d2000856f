import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** One checkov skip as checkov reads it from a CloudFormation resource: `Metadata.checkov.skip[]`. */
export interface CheckovSkip {
  readonly id: string;
  readonly comment: string;
}

/**
 * Accepts one checkov finding on one resource (the construct's own CloudFormation resource, or its default child),
 * with the reason on record in the template: checkov reports it as skipped with this comment. Beside cdk-nag's
 * acknowledgements (nag.ts), never instead of them.
 *
 * @example skipCheckov(queue, 'CKV_AWS_27', 'SSE-SQS: encrypted at rest with keys SQS manages.')
 */
export function skipCheckov(scope: IConstruct, id: string, reason: string): void {
  const resource = scope instanceof CfnResource ? scope : scope.node.defaultChild;
  if (!(resource instanceof CfnResource))
    throw new Error(`${scope.node.path} has no CloudFormation resource`);
  if (!/^CKV2?_AWS_\d+$/.test(id)) throw new Error(`${id} is not a checkov AWS check id`);
  if (reason.trim().length < 20) throw new Error(`checkov ${id} on ${scope.node.path}: give the reason`);
  const current = (resource.getMetadata('checkov') as { skip?: CheckovSkip[] } | undefined)?.skip ?? [];
  if (current.some((skip) => skip.id === id)) return;
  resource.addMetadata('checkov', { skip: [...current, { id, comment: reason }] });
}

/** Reasons that hold for every resource of a kind here, so each is written once. */
export const CHECKOV_REASONS = {
  logsAtRest:
    'CloudWatch Logs encrypts every log group at rest with keys it manages; a customer KMS key per group (a monthly key fee, a key policy for the logs service) buys nothing here: the logs hold job ids and keys, no pictures and no addresses.',
  noVpc:
    'The function calls only AWS APIs (S3, SageMaker, SES, …) over TLS and no private resource: a VPC would add NAT or endpoint costs and cold-start delay, and reach nothing more.',
  environmentAtRest:
    'Lambda encrypts environment variables at rest with its AWS-managed key; they hold names and settings, no secret (the API’s keys are in Secrets Manager).',
} as const;

/** A failed checkov check, as the JSON report names it. */
export interface CheckovFinding {
  readonly check: string;
  readonly resource: string;
  readonly file: string;
  readonly name: string;
}

export interface CheckovReport {
  readonly failed: CheckovFinding[];
  readonly skipped: (CheckovFinding & { readonly comment: string })[];
  readonly passed: number;
}

/**
 * Runs checkov (the repository's .venv-checkov, installed by tools/scripts/setup.sh) on CloudFormation templates,
 * offline (--skip-download: no Prisma Cloud guidelines fetched), and reads its JSON report.
 */
export function runCheckov(root: string, templates: readonly string[]): CheckovReport {
  // Not --quiet: it leaves the skipped checks out of the report.
  const args = ['--framework', 'cloudformation', '-o', 'json', '--skip-download'];
  const run = spawnSync(
    join(root, '.venv-checkov', 'bin', 'checkov'),
    [...templates.flatMap((t) => ['-f', t]), ...args],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, BC_SKIP_MAPPING: 'TRUE', CHECKOV_LOG_LEVEL: 'ERROR' },
    },
  );
  if (run.error) throw run.error;
  if (run.status !== 0 && run.status !== 1) throw new Error(`checkov exited ${run.status}: ${run.stderr}`);
  const parsed = JSON.parse(run.stdout) as CheckovJson | CheckovJson[];
  const reports = Array.isArray(parsed) ? parsed : [parsed];
  const finding = (r: CheckovResult): CheckovFinding => ({
    check: r.check_id,
    resource: r.resource,
    file: r.file_path.split('/').pop() ?? r.file_path,
    name: r.check_name,
  });
  return {
    failed: reports.flatMap((r) => (r.results.failed_checks ?? []).map(finding)),
    skipped: reports.flatMap((r) =>
      (r.results.skipped_checks ?? []).map((s) => ({
        ...finding(s),
        comment: s.check_result.suppress_comment ?? '',
      })),
    ),
    passed: reports.reduce((sum, r) => sum + r.summary.passed, 0),
  };
}

interface CheckovResult {
  check_id: string;
  check_name: string;
  resource: string;
  file_path: string;
  check_result: { suppress_comment?: string };
}

interface CheckovJson {
  results: { failed_checks?: CheckovResult[]; skipped_checks?: CheckovResult[] };
  summary: { passed: number };
}
