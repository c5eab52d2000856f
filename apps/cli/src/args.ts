import { parseArgs } from 'node:util';
import { QUALITIES, type Quality } from '@gen3d/events';
import { JOB_ID_PATTERN } from '@gen3d/s3-keys';

/** A command line that cannot run: said in one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CommonOptions {
  readonly json: boolean;
  readonly aws: boolean;
  readonly user: string | undefined;
  readonly stack: string | undefined;
  readonly bucket: string | undefined;
}

export type Command =
  | ({ readonly command: 'submit' } & CommonOptions & {
        readonly image: string;
        readonly email: string | undefined;
        readonly point: { x: number; y: number } | undefined;
        readonly mask: string | undefined;
        readonly quality: Quality | undefined;
        readonly wait: boolean;
        readonly timeoutSeconds: number;
      })
  | ({ readonly command: 'status'; readonly jobId: string } & CommonOptions)
  | ({ readonly command: 'list' } & CommonOptions)
  | ({ readonly command: 'open'; readonly jobId: string; readonly out: string | undefined } & CommonOptions)
  | { readonly command: 'help' };

export const USAGE = `gen3d: one PNG in, a 3D mesh (.ply) out, through the Gen3D pipeline.

Usage:
  gen3d submit IMAGE.png --email you@example.com [--point X,Y] [--mask M.png]
                         [--quality fast|standard|high] [--wait [--timeout SECONDS]]
  gen3d status JOB        the job's state, timings and mesh (or the failure reason)
  gen3d list              your jobs, newest first
  gen3d open JOB [--out FILE.ply]   downloads the mesh

Options for every command:
  --json                  one JSON document on stdout, for scripts
  --aws                   the deployed stack (usual AWS configuration: profile, region, credentials)
                          instead of the local one started by \`npm start\`
  --user ID               whose jobs (default: GEN3D_USER, else local-<your login>)
  --stack URL             the local stack (default: GEN3D_STACK_URL, else http://127.0.0.1:4300)
  --bucket NAME           with --aws: the data bucket (default: DATA_BUCKET, else gen3d-data-bucket)

Exit codes: 0 done, 1 the job failed, 2 bad command line or input, 3 stack not reachable, 4 --wait timed out.`;

/** Parses argv (without node and the script). @throws UsageError naming what is wrong. */
export function parseCommand(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        email: { type: 'string' },
        point: { type: 'string' },
        mask: { type: 'string' },
        quality: { type: 'string' },
        wait: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        json: { type: 'boolean', default: false },
        aws: { type: 'boolean', default: false },
        user: { type: 'string' },
        stack: { type: 'string' },
        bucket: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') return { command: 'help' };
  const common: CommonOptions = {
    json: values.json,
    aws: values.aws,
    user: values.user,
    stack: values.stack,
    bucket: values.bucket,
  };
  const only = (allowed: readonly string[]) => {
    for (const name of ['email', 'point', 'mask', 'quality', 'timeout', 'out'] as const) {
      if (values[name] !== undefined && !allowed.includes(name))
        throw new UsageError(`--${name} does not apply to ${command}`);
    }
    if (values.wait && !allowed.includes('wait')) throw new UsageError(`--wait does not apply to ${command}`);
  };
  const oneArgument = (what: string): string => {
    if (rest.length !== 1) throw new UsageError(`${command} takes one ${what}; got ${rest.length}`);
    return rest[0] as string;
  };
  switch (command) {
    case 'submit': {
      only(['email', 'point', 'mask', 'quality', 'wait', 'timeout']);
      const image = oneArgument('picture (IMAGE.png)');
      if (values.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email)) {
        throw new UsageError(`--email is not an email address: ${values.email}`);
      }
      let point;
      if (values.point !== undefined) {
        const match = /^(\d{1,5}),(\d{1,5})$/.exec(values.point);
        if (!match) throw new UsageError(`--point must be X,Y in pixels (e.g. 120,80); got ${values.point}`);
        point = { x: Number(match[1]), y: Number(match[2]) };
      }
      if (values.quality !== undefined && !(QUALITIES as readonly string[]).includes(values.quality)) {
        throw new UsageError(`--quality must be one of ${QUALITIES.join(', ')}; got ${values.quality}`);
      }
      const timeout = values.timeout === undefined ? 900 : Number(values.timeout);
      if (!Number.isInteger(timeout) || timeout < 1)
        throw new UsageError(`--timeout must be whole seconds; got ${values.timeout}`);
      if (values.timeout !== undefined && !values.wait) throw new UsageError('--timeout needs --wait');
      return {
        command: 'submit',
        ...common,
        image,
        email: values.email,
        point,
        mask: values.mask,
        quality: values.quality as Quality | undefined,
        wait: values.wait,
        timeoutSeconds: timeout,
      };
    }
    case 'status':
      only([]);
      return { command: 'status', ...common, jobId: jobIdArgument(oneArgument('job id')) };
    case 'list':
      only([]);
      if (rest.length > 0) throw new UsageError('list takes no arguments');
      return { command: 'list', ...common };
    case 'open':
      only(['out']);
      return { command: 'open', ...common, jobId: jobIdArgument(oneArgument('job id')), out: values.out };
    default:
      throw new UsageError(`unknown command "${command}" (commands: submit, status, list, open)`);
  }
}

function jobIdArgument(value: string): string {
  if (!JOB_ID_PATTERN.test(value))
    throw new UsageError(`"${value}" is not a job id (gen3d list shows yours)`);
  return value;
}
