import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOB_ERRORS } from '@gen3d/events';
import { MAX_INVOCATION_TIMEOUT_SECONDS, parseExtractConfig } from '@gen3d/jobs';
import { jobBudgetMs } from '@gen3d/sidecar';
import { instructionsOf } from './dockerfile-instructions';

// The container's build file, read as data: what it pins, and the timeouts it sets against the lambdas' own.
const dockerfile = readFileSync(join(__dirname, '../Dockerfile'), 'utf8');

const instructions = instructionsOf('Dockerfile');

describe('the container image', () => {
  const guard = instructions.find((line) => line.startsWith('RUN') && line.includes('SAM3D_COMMIT'));
  const add = instructions.findIndex((line) => line.startsWith('ADD') && line.includes('sam-3d-objects'));

  it('pins the SAM 3D source to a full commit SHA', () => {
    const arg = instructions.find((line) => line.startsWith('ARG SAM3D_COMMIT='));
    expect(arg).toMatch(/^ARG SAM3D_COMMIT=[0-9a-f]{40}$/);
    expect(instructions[add]).toContain('sam-3d-objects.git#${SAM3D_COMMIT}');
    expect(instructions.indexOf(guard as string)).toBeLessThan(add);
  });

  it.each([
    ['main', 1],
    ['v1.0', 1],
    ['cf06676', 1],
    ['CF066761706CD02B07E2FC6274570EC8CDAFB683', 1],
    ['cf066761706cd02b07e2fc6274570ec8cdafb683', 0],
  ])('fails the build for SAM3D_COMMIT=%j unless it is a full SHA (exit %i)', (commit, status) => {
    const command = (guard as string).replace(/^RUN\s+/, '');
    const result = spawnSync('sh', ['-c', command], { env: { SAM3D_COMMIT: commit }, encoding: 'utf8' });
    expect(result.status).toBe(status);
  });

  it('sends the build only what the Dockerfile copies: never the venvs, the data or installed models', () => {
    const ignore = readFileSync(join(__dirname, '../../../.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(ignore[0]).toBe('**'); // everything is left out unless admitted below
    const admitted = ignore.filter((line) => line.startsWith('!')).map((line) => line.slice(1));
    const sources = instructions
      .filter((line) => line.startsWith('COPY') && !line.includes('--from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    for (const source of sources) {
      const covers = (a: string) =>
        a === source || a === `${source}/**` || (a.endsWith('/**') && source.startsWith(a.slice(0, -2)));
      expect([source, admitted.some(covers)]).toEqual([source, true]);
    }
    expect(admitted.join(' ')).not.toMatch(/\.venv|\.gen3d|node_modules/);
  });

  it('keeps the per-job timeout below the InvocationTimeoutSeconds extract sets, itself below the TTL', () => {
    const jobTimeoutSeconds = Number(/JOB_TIMEOUT_SECONDS=(\d+)/.exec(dockerfile)?.[1]);
    const extract = parseExtractConfig({ SAGEMAKER_ENDPOINT_NAME: 'e', DATA_BUCKET: 'gen3d-data-bucket' });
    expect(jobTimeoutSeconds).toBeGreaterThan(0);
    expect(jobTimeoutSeconds).toBeLessThan(extract.invocationTimeoutSeconds);
    expect(extract.invocationTimeoutSeconds).toBeLessThanOrEqual(MAX_INVOCATION_TIMEOUT_SECONDS);
    expect(extract.invocationTimeoutSeconds).toBeLessThan(extract.requestTtlSeconds);
    // With those defaults the container's own timeout is the one that fires (it writes the failure document).
    expect(jobBudgetMs(jobTimeoutSeconds * 1000, extract.invocationTimeoutSeconds)).toBe(
      jobTimeoutSeconds * 1000,
    );
  });
});

/**
 * Catalogue types that only the pipeline around the worker raises (keys, S3, the sidecar's own queue and process,
 * the extract function's limits on web uploads).
 */
const RAISED_OUTSIDE_THE_WORKER = [
  'InvalidKeyError',
  'InputMissingError',
  'WorkerCrashedError',
  'OverloadedError',
  'LimitReachedError',
];

describe('the worker error catalogue', () => {
  it("is JOB_ERRORS exactly: the Python worker's error names plus those raised around it", () => {
    const python = join(__dirname, '../../../.venv/bin/python');
    const script = [
      'import inspect, json',
      'import gen3d_worker.errors as errors',
      'names = sorted({c.type_name for _, c in inspect.getmembers(errors, inspect.isclass)',
      '                if issubclass(c, errors.WorkerError)})',
      'print(json.dumps(names))',
    ].join('\n');
    const names = JSON.parse(execFileSync(python, ['-c', script], { encoding: 'utf8' })) as string[];
    expect(names.filter((name) => RAISED_OUTSIDE_THE_WORKER.includes(name))).toEqual([]);
    expect([...names, ...RAISED_OUTSIDE_THE_WORKER].sort()).toEqual(Object.keys(JOB_ERRORS).sort());
  });
});
