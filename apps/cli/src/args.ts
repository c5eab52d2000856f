import { parseArgs } from 'node:util';
import {
  DocumentParseError,
  QUALITIES,
  SHAPES,
  type Shape,
  uploadMetadataFor,
  type Quality,
  type UploadOptions,
} from '@gen3d/events';
import { FAILURE_QUEUE_NAMES, JOB_ID_PATTERN, MESH_FORMATS, type MeshFormat } from '@gen3d/s3-keys';

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
        /** One --point and no --negative-point: the seed's single prompt (metadata `point`). */
        readonly point: { x: number; y: number } | undefined;
        /** Several --point, or any --negative-point: SAM-style labelled points (metadata `points`). */
        readonly points: NonNullable<UploadOptions['points']> | undefined;
        readonly box: { x0: number; y0: number; x1: number; y1: number } | undefined;
        readonly formats: readonly MeshFormat[] | undefined;
        readonly targetFaces: number | undefined;
        readonly mask: string | undefined;
        readonly quality: Quality | undefined;
        /** The shape hypothesis (metadata `shape`): auto, inflate, revolve or slab. */
        readonly shape: Shape | undefined;
        readonly wait: boolean;
        readonly timeoutSeconds: number;
      })
  | ({ readonly command: 'status'; readonly jobId: string } & CommonOptions)
  | ({
      readonly command: 'retry';
      readonly jobId: string;
      /** The new job's prompts and shape, as submit reads them; what is not given is not carried over. */
      readonly point: { x: number; y: number } | undefined;
      readonly points: NonNullable<UploadOptions['points']> | undefined;
      readonly box: { x0: number; y0: number; x1: number; y1: number } | undefined;
      readonly shape: Shape | undefined;
    } & CommonOptions)
  | ({ readonly command: 'delete'; readonly jobId: string } & CommonOptions)
  | ({ readonly command: 'export'; readonly to: string } & CommonOptions & { readonly user: string })
  | ({
      readonly command: 'redrive';
      /** With --aws: the on-failure queues to read (default: the seed's, FAILURE_QUEUE_NAMES). */
      readonly queues: readonly string[];
      readonly dryRun: boolean;
    } & CommonOptions)
  | ({ readonly command: 'list' } & CommonOptions)
  | ({
      readonly command: 'open';
      readonly jobId: string;
      readonly out: string | undefined;
      readonly format: MeshFormat;
    } & CommonOptions)
  | { readonly command: 'help' };

export const USAGE = `gen3d: one PNG in, a 3D mesh (.ply) out, through the Gen3D pipeline.

Usage:
  gen3d submit IMAGE.png --email you@example.com [--point X,Y]... [--negative-point X,Y]...
                         [--box X0,Y0,X1,Y1] [--mask M.png] [--quality fast|standard|high]
                         [--shape auto|inflate|revolve|slab]
                         [--formats ply,glb,stl,3mf,obj] [--target-faces N] [--wait [--timeout SECONDS]]
  gen3d status JOB        the job's state, timings and mesh (or the failure reason)
  gen3d list              your jobs, newest first
  gen3d open JOB [--format ply|glb|stl|3mf|obj] [--out FILE]   downloads the mesh (default: the PLY)
  gen3d retry JOB [--point X,Y]... [--negative-point X,Y]... [--box X0,Y0,X1,Y1] [--shape SHAPE]
                          a new job on the same picture with other prompts (the job's other options kept)
  gen3d delete JOB        deletes the job and every file it made or was made from, every stored version
  gen3d export --user ID --to FOLDER   (operator) every current file of one user, keys kept as paths
  gen3d redrive           (operator) sends what the local stack's dead-letter folders hold through the pipeline
  gen3d redrive --aws [--queue NAME]... [--dry-run]
                          (operator) re-invokes each on-failure record of the extract and notify functions
                          (queues ${Object.values(FAILURE_QUEUE_NAMES).join(', ')}) and deletes it

Submit options (pixels of the picture, origin top-left):
  --point X,Y             a point on the object (repeatable)
  --negative-point X,Y    a point on the background (repeatable)
  --box X0,Y0,X1,Y1       the object is inside this box (X1, Y1 exclusive)
  --formats LIST          also make these formats (comma-separated); the PLY is always made
  --target-faces N        simplify the mesh to about N triangles (100 to 5000000)
  --shape SHAPE           auto (chosen from the picture), inflate (rounded), revolve (turned, like a vase)
                          or slab (flat, like a coin)

Options for every command:
  --json                  one JSON document on stdout, for scripts
  --aws                   the deployed stack (usual AWS configuration: profile, region, credentials)
                          instead of the local one started by \`npm start\`
  --user ID               whose jobs (default: GEN3D_USER, else local-<your login>)
  --stack URL             the local stack (default: GEN3D_STACK_URL, else http://127.0.0.1:4300)
  --bucket NAME           with --aws: the data bucket (default: DATA_BUCKET, GEN3D_DATA_BUCKET_NAME, else gen3d-data-bucket)

Exit codes: 0 done, 1 the job failed (redrive: a message was left in its queue), 2 bad command line or input, 3 stack not reachable, 4 --wait timed out.`;

/** Every flag of every command, as `parseArgs` reads them. */
const FLAGS = {
  email: { type: 'string' },
  point: { type: 'string', multiple: true },
  'negative-point': { type: 'string', multiple: true },
  box: { type: 'string' },
  formats: { type: 'string' },
  format: { type: 'string' },
  'target-faces': { type: 'string' },
  mask: { type: 'string' },
  quality: { type: 'string' },
  shape: { type: 'string' },
  wait: { type: 'boolean', default: false },
  timeout: { type: 'string' },
  json: { type: 'boolean', default: false },
  aws: { type: 'boolean', default: false },
  user: { type: 'string' },
  stack: { type: 'string' },
  bucket: { type: 'string' },
  out: { type: 'string' },
  to: { type: 'string' },
  queue: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The flags that belong to some commands only, in the order they are checked; the others apply to every command. */
const COMMAND_FLAGS = [
  'email',
  'point',
  'negative-point',
  'box',
  'formats',
  'format',
  'target-faces',
  'mask',
  'quality',
  'shape',
  'timeout',
  'out',
  'to',
  'queue',
  'wait',
  'dry-run',
] as const;
type CommandFlag = (typeof COMMAND_FLAGS)[number];

type Flags = ReturnType<typeof readFlags>['values'];

/** What every command's parser is given: its name, its arguments after it, the flags, the common options. */
interface Invocation {
  readonly command: string;
  readonly rest: readonly string[];
  readonly values: Flags;
  readonly common: CommonOptions;
}

interface SubCommand {
  /** The flags of COMMAND_FLAGS it takes. */
  readonly flags: readonly CommandFlag[];
  readonly parse: (invocation: Invocation) => Command;
}

const SUBMIT_FLAGS: readonly CommandFlag[] = [
  'email',
  'point',
  'negative-point',
  'box',
  'formats',
  'target-faces',
  'mask',
  'quality',
  'shape',
  'wait',
  'timeout',
];

const SUB_COMMANDS: Readonly<Record<string, SubCommand>> = {
  submit: { flags: SUBMIT_FLAGS, parse: parseSubmit },
  status: { flags: [], parse: parseStatus },
  list: { flags: [], parse: parseList },
  open: { flags: ['out', 'format'], parse: parseOpen },
  retry: { flags: ['point', 'negative-point', 'box', 'shape'], parse: parseRetry },
  delete: { flags: [], parse: parseDelete },
  export: { flags: ['to'], parse: parseExport },
  redrive: { flags: ['queue', 'dry-run'], parse: parseRedrive },
};

/** Parses argv (without node and the script). @throws UsageError naming what is wrong. */
export function parseCommand(argv: readonly string[]): Command {
  const { values, positionals } = readFlags(argv);
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') return { command: 'help' };
  const subCommand = Object.hasOwn(SUB_COMMANDS, command) ? SUB_COMMANDS[command] : undefined;
  if (subCommand === undefined) {
    throw new UsageError(`unknown command "${command}" (commands: ${Object.keys(SUB_COMMANDS).join(', ')})`);
  }
  refuseOtherFlags(command, values, subCommand.flags);
  const common: CommonOptions = {
    json: values.json,
    aws: values.aws,
    user: values.user,
    stack: values.stack,
    bucket: values.bucket,
  };
  return subCommand.parse({ command, rest, values, common });
}

function readFlags(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: FLAGS });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
}

function refuseOtherFlags(command: string, values: Flags, allowed: readonly CommandFlag[]): void {
  for (const name of COMMAND_FLAGS) {
    const value = values[name];
    const given = typeof value === 'boolean' ? value : value !== undefined;
    if (given && !allowed.includes(name)) throw new UsageError(`--${name} does not apply to ${command}`);
  }
}

function oneArgument({ command, rest }: Invocation, what: string): string {
  if (rest.length !== 1) throw new UsageError(`${command} takes one ${what}; got ${rest.length}`);
  return rest[0] as string;
}

function parseSubmit(invocation: Invocation): Command {
  const { values } = invocation;
  const image = oneArgument(invocation, 'picture (IMAGE.png)');
  if (values.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email)) {
    throw new UsageError(`--email is not an email address: ${values.email}`);
  }
  const { point, points } = pointPrompts(values.point ?? [], values['negative-point'] ?? []);
  const box = boxFlag(values.box);
  const formats = formatsFlag(values.formats);
  const targetFaces = targetFacesFlag(values['target-faces']);
  checkedByThePipeline({ point, points, box, formats, targetFaces });
  const quality = oneOf('--quality', QUALITIES, values.quality);
  const shape = oneOf('--shape', SHAPES, values.shape);
  const timeoutSeconds = values.timeout === undefined ? 900 : Number(values.timeout);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1)
    throw new UsageError(`--timeout must be whole seconds; got ${values.timeout}`);
  if (values.timeout !== undefined && !values.wait) throw new UsageError('--timeout needs --wait');
  return {
    command: 'submit',
    ...invocation.common,
    image,
    email: values.email,
    point,
    points,
    box,
    formats,
    targetFaces,
    mask: values.mask,
    quality,
    shape,
    wait: values.wait,
    timeoutSeconds,
  };
}

function parseStatus(invocation: Invocation): Command {
  return { command: 'status', ...invocation.common, jobId: jobIdArgument(oneArgument(invocation, 'job id')) };
}

function parseList(invocation: Invocation): Command {
  if (invocation.rest.length > 0) throw new UsageError('list takes no arguments');
  return { command: 'list', ...invocation.common };
}

function parseOpen(invocation: Invocation): Command {
  const format = oneOf('--format', MESH_FORMATS, invocation.values.format) ?? 'ply';
  return {
    command: 'open',
    ...invocation.common,
    jobId: jobIdArgument(oneArgument(invocation, 'job id')),
    out: invocation.values.out,
    format,
  };
}

function parseRetry(invocation: Invocation): Command {
  const { values } = invocation;
  const jobId = jobIdArgument(oneArgument(invocation, 'job id'));
  const { point, points } = pointPrompts(values.point ?? [], values['negative-point'] ?? []);
  const box = boxFlag(values.box);
  checkedByThePipeline({ point, points, box });
  const shape = oneOf('--shape', SHAPES, values.shape);
  return { command: 'retry', ...invocation.common, jobId, point, points, box, shape };
}

function parseDelete(invocation: Invocation): Command {
  return { command: 'delete', ...invocation.common, jobId: jobIdArgument(oneArgument(invocation, 'job id')) };
}

/** An operator's export names the user explicitly: the default user is the operator's own. */
function parseExport(invocation: Invocation): Command {
  const { common, values, rest } = invocation;
  if (rest.length > 0) throw new UsageError('export takes no arguments (--user ID --to FOLDER)');
  if (common.user === undefined) throw new UsageError('export needs --user ID: whose files to write');
  if (values.to === undefined || values.to === '') throw new UsageError('export needs --to FOLDER');
  return { command: 'export', ...common, user: common.user, to: values.to };
}

/** The local stack redrives all its dead-letter folders; --aws reads the named on-failure queues, or the seed's. */
function parseRedrive(invocation: Invocation): Command {
  const { common, values, rest } = invocation;
  if (rest.length > 0) throw new UsageError('redrive takes no arguments');
  const queues = values.queue ?? Object.values(FAILURE_QUEUE_NAMES);
  if (!common.aws && (values.queue !== undefined || values['dry-run'])) {
    throw new UsageError(`--${values.queue ? 'queue' : 'dry-run'} applies to redrive --aws only`);
  }
  const badName = queues.find((name) => !/^[A-Za-z0-9_-]{1,80}$/.test(name));
  if (badName !== undefined) throw new UsageError(`--queue takes an SQS queue name; got "${badName}"`);
  return { command: 'redrive', ...common, queues: [...new Set(queues)], dryRun: values['dry-run'] };
}

/** One --point and no --negative-point is the seed's single prompt; anything more, SAM-style labelled points. */
function pointPrompts(
  positiveFlags: readonly string[],
  negativeFlags: readonly string[],
): { readonly point: { x: number; y: number } | undefined; readonly points: UploadOptions['points'] } {
  const positives = positiveFlags.map((p) => pixelPair('--point', p));
  const negatives = negativeFlags.map((p) => pixelPair('--negative-point', p));
  if (positives.length === 1 && negatives.length === 0) return { point: positives[0], points: undefined };
  if (positives.length + negatives.length === 0) return { point: undefined, points: undefined };
  return {
    point: undefined,
    points: [
      ...positives.map((p) => ({ ...p, label: 1 as const })),
      ...negatives.map((p) => ({ ...p, label: 0 as const })),
    ],
  };
}

function boxFlag(value: string | undefined): { x0: number; y0: number; x1: number; y1: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,5}),(\d{1,5}),(\d{1,5}),(\d{1,5})$/.exec(value);
  if (!match) throw new UsageError(`--box must be X0,Y0,X1,Y1 in pixels (e.g. 10,20,300,240); got ${value}`);
  return { x0: Number(match[1]), y0: Number(match[2]), x1: Number(match[3]), y1: Number(match[4]) };
}

function formatsFlag(value: string | undefined): MeshFormat[] | undefined {
  if (value === undefined) return undefined;
  const named = value.split(',').map((f) => f.trim().toLowerCase());
  const unknown = named.filter((f) => !(MESH_FORMATS as readonly string[]).includes(f));
  if (unknown.length > 0 || named.length === 0)
    throw new UsageError(`--formats takes some of ${MESH_FORMATS.join(',')}; got ${value}`);
  return named as MeshFormat[];
}

function targetFacesFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new UsageError(`--target-faces must be a whole number of triangles; got ${value}`);
  return Number(value);
}

/** The pipeline's own checks (ranges, a box the right way round, no format twice), before anything is uploaded. */
function checkedByThePipeline(options: UploadOptions): void {
  try {
    uploadMetadataFor(options);
  } catch (error) {
    if (!(error instanceof DocumentParseError)) throw error;
    throw new UsageError(
      error.message.replace(/^invalid upload metadata: /, '').replace(/^target-faces/, '--target-faces'),
    );
  }
}

function oneOf<T extends string>(
  flag: string,
  choices: readonly T[],
  value: string | undefined,
): T | undefined {
  if (value !== undefined && !(choices as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} must be one of ${choices.join(', ')}; got ${value}`);
  }
  return value as T | undefined;
}

function pixelPair(flag: string, value: string): { x: number; y: number } {
  const match = /^(\d{1,5}),(\d{1,5})$/.exec(value);
  if (!match) throw new UsageError(`${flag} must be X,Y in pixels (e.g. 120,80); got ${value}`);
  return { x: Number(match[1]), y: Number(match[2]) };
}

function jobIdArgument(value: string): string {
  if (!JOB_ID_PATTERN.test(value))
    throw new UsageError(`"${value}" is not a job id (gen3d list shows yours)`);
  return value;
}
