import {
  DOUBTFUL_MASK_SCORE,
  keptUntilDay,
  userMessageFor,
  type FailureDocument,
  type JobReport,
  type WorkerReport,
} from '@gen3d/events';
import type { Email } from './ports';

// C0/C1 controls (CR and LF among them), line/paragraph separators, bidi embeddings, overrides and isolates, and
// the invisible marks that reorder text: none may reach a subject line (header injection, a name that reads
// backwards).
const UNSAFE_IN_SUBJECT =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** A name as a subject may show it: unsafe characters dropped, runs of white space collapsed, at most 80 characters. */
export function subjectSafe(name: string): string {
  const clean = name.replace(UNSAFE_IN_SUBJECT, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > 80 ? `${clean.slice(0, 79)}…` : clean;
}

/** The picture's name for the user: the upload key's file name without `.png`. */
export function displayName(inputKey: string): string {
  const file = inputKey.split('/').pop() ?? inputKey;
  return file.replace(/\.png$/, '');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? 'unknown' : `${(ms / 1000).toFixed(1)} s`;
}

/** A file size as people read it: kB under a megabyte (a decimated mesh is often a few dozen kB), else MB. */
function megabytes(bytes: number): string {
  return bytes < 1024 * 1024
    ? `${Math.max(1, Math.round(bytes / 1024))} kB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Two columns of label/value, as text lines and as an HTML table. */
function details(rows: readonly (readonly [string, string])[]): { text: string; html: string } {
  return {
    text: rows.map(([label, value]) => `  ${label}: ${value}`).join('\n'),
    html: `<table>${rows
      .map(
        ([label, value]) =>
          `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
      )
      .join('')}</table>`,
  };
}

/** What each mesh format is for, in the user's words. */
const FORMAT_USES: Readonly<Record<string, string>> = {
  ply: 'Blender, MeshLab and most 3D viewers',
  glb: 'the web, AR viewers, Blender',
  stl: '3D printing, no colour',
  '3mf': '3D printing, with colour',
  obj: 'Blender, MeshLab and most 3D tools',
};

/** One extra mesh file the email links (the PLY is the main link). */
export interface EmailFile {
  readonly format: string;
  readonly url: string;
  readonly bytes: number;
}

/**
 * Whether the automatic mask is doubtful: segmentation scored it below {@link DOUBTFUL_MASK_SCORE}, so a point or a
 * box prompt will likely give a better model. Undefined when the mask is not in doubt (or not scored).
 */
export function doubtfulMask(worker: WorkerReport | undefined): { score: number } | undefined {
  const mask = worker?.mask;
  if (mask?.source !== 'segmentation' || mask.score === undefined) return undefined;
  return mask.score < DOUBTFUL_MASK_SCORE ? { score: mask.score } : undefined;
}

const DOUBTFUL_ADVICE =
  'The outline of the object was hard to find in this picture, so the model may include some background or ' +
  'miss a part. If it looks wrong, upload the picture again and mark the object: a click on it (a point), or a ' +
  'box around it.';

/** Which path made the object's outline, in the words of the result email (decision 0026). */
export function objectFoundBy(worker: WorkerReport): string {
  const { mask } = worker;
  if (mask.source === 'alpha') return "the picture's transparency";
  if (mask.source === 'user-mask') return 'the mask you gave';
  if (mask.segmenter?.path === 'learned')
    return `a learned segmentation model (${mask.segmenter.model ?? 'unnamed'})`;
  return 'segmentation without a learned model';
}

/** What the "your model is ready" email is made from. */
export interface SuccessEmailInput {
  readonly name: string;
  readonly report: JobReport | undefined;
  readonly meshBytes: number;
  readonly link: string;
  /** When a presigned link stops working; undefined for a link into the web app, which does not expire. */
  readonly expiresAt: Date | undefined;
  /** The other formats made for this job, each with its own (presigned) link. */
  readonly files?: readonly EmailFile[];
  /** When the links of `files` stop working. */
  readonly filesExpireAt?: Date;
  /** The job's thumbnail (a PNG), shown inside the email; left out when there is none. */
  readonly thumbnail?: Uint8Array;
  /** Until when the job's files are kept (the retention setting), said in the email. */
  readonly keptUntil?: Date;
}

/** The language the emails say dates in: `5 January 2027` (the day in UTC, as the web page says it). */
const EMAIL_LOCALE = 'en-GB';

/** The Content-ID of the thumbnail inside a result email. */
export const THUMBNAIL_CID = 'thumbnail@gen3d';

/** The "your model is ready" email, with the link and what was made, named honestly, and its picture inside. */
export function successEmail(input: SuccessEmailInput): Email {
  const table = details(resultRows(input));
  const doubt = doubtfulMask(input.report?.worker);
  // No text the uploader chose in the subject (decision 0025): the picture's name is quoted in the body only.
  return {
    subject: 'Your 3D model is ready',
    text: successText(input, table.text, doubt !== undefined),
    html: successHtml(input, table.html, doubt !== undefined),
    ...(input.thumbnail
      ? {
          inlineImages: [
            {
              cid: THUMBNAIL_CID,
              contentType: 'image/png',
              bytes: input.thumbnail,
              fileName: 'thumbnail.png',
            },
          ],
        }
      : {}),
  };
}

type Row = readonly [string, string];

/** The details table of a result: what was made, how, and how long it took. */
function resultRows(input: SuccessEmailInput): Row[] {
  const worker = input.report?.worker;
  const doubt = doubtfulMask(worker);
  const when = (condition: unknown, ...rows: Row[]): Row[] => (condition ? rows : []);
  return [
    ['Picture', `${input.name}.png`],
    ['Method', worker ? worker.method : 'unknown'],
    ...when(worker?.fallbackFrom, [
      'Note',
      `made with ${worker?.backend} because ${worker?.fallbackFrom} was unavailable`,
    ]),
    ['Mesh', worker ? `${worker.mesh.vertices} vertices, ${worker.mesh.faces} triangles` : 'unknown'],
    ...when(worker?.mesh.decimation?.applied, [
      'Simplified',
      `from ${worker?.mesh.decimation?.originalFaces} triangles`,
    ]),
    ['Closed (watertight)', worker ? (worker.mesh.watertight ? 'yes' : 'no') : 'unknown'],
    ...when(worker, ['Object found by', worker ? objectFoundBy(worker) : '']),
    ...when(doubt, ['Object outline', `doubtful (score ${doubt?.score.toFixed(2)}; 0.5 or more is good)`]),
    ['File', `${input.name}.ply, ${megabytes(input.meshBytes)}`],
    ...(input.files ?? []).map((f): Row => ['Also', `${input.name}.${f.format}, ${megabytes(f.bytes)}`]),
    ['Processing time', seconds(input.report?.timingsMs['total'])],
  ];
}

function keptLine(keptUntil: Date | undefined): string | undefined {
  return keptUntil
    ? `Your files are kept until ${keptUntilDay(keptUntil, EMAIL_LOCALE)}; they are deleted after that.`
    : undefined;
}

/** What both versions of a result email say: the other files, until when the links work and the files stay. */
function successFacts(input: SuccessEmailInput) {
  return {
    files: input.files ?? [],
    until: input.expiresAt?.toUTCString(),
    filesUntil: input.filesExpireAt?.toUTCString(),
    kept: keptLine(input.keptUntil),
  };
}

function successText(input: SuccessEmailInput, table: string, doubtful: boolean): string {
  const { files, until, filesUntil, kept } = successFacts(input);
  return [
    'Hello,',
    '',
    until
      ? `Your 3D model of "${input.name}.png" is ready. Download it (PLY) before ${until}:`
      : `Your 3D model of "${input.name}.png" is ready. See it in 3D and download it (PLY) here:`,
    input.link,
    ...(files.length > 0
      ? [
          '',
          filesUntil
            ? `The same model in the other formats you asked for (links work until ${filesUntil}):`
            : 'The same model in the other formats you asked for:',
          ...files.flatMap((f) => [
            `${f.format.toUpperCase()} (${FORMAT_USES[f.format] ?? 'other tools'}):`,
            f.url,
          ]),
        ]
      : []),
    ...(input.thumbnail ? ['', 'A picture of the model is in this email (shown in its HTML version).'] : []),
    ...(doubtful ? ['', DOUBTFUL_ADVICE] : []),
    ...(kept ? ['', kept] : []),
    '',
    table,
    '',
    'PLY files open in Blender, MeshLab and most 3D viewers.',
    '— Gen3D',
  ].join('\n');
}

function successHtml(input: SuccessEmailInput, table: string, doubtful: boolean): string {
  const { files, until, filesUntil, kept } = successFacts(input);
  const name = escapeHtml(input.name);
  return [
    '<p>Hello,</p>',
    `<p>Your 3D model of <strong>${name}.png</strong> is ready.</p>`,
    ...(input.thumbnail
      ? [
          `<p><img src="cid:${THUMBNAIL_CID}" alt="A picture of the 3D model of ${name}.png" width="256" height="256"></p>`,
        ]
      : []),
    until
      ? `<p><a href="${escapeHtml(input.link)}">Download ${name}.ply</a> (the link works until ${escapeHtml(until)}).</p>`
      : `<p><a href="${escapeHtml(input.link)}">See ${name} in 3D and download it</a>.</p>`,
    ...(files.length > 0
      ? [
          `<p>The same model in the other formats you asked for${filesUntil ? ` (the links work until ${escapeHtml(filesUntil)})` : ''}:</p>`,
          `<ul>${files
            .map(
              (f) =>
                `<li><a href="${escapeHtml(f.url)}">${name}.${escapeHtml(f.format)}</a> — ${escapeHtml(FORMAT_USES[f.format] ?? 'other tools')}</li>`,
            )
            .join('')}</ul>`,
        ]
      : []),
    ...(doubtful ? [`<p>${escapeHtml(DOUBTFUL_ADVICE)}</p>`] : []),
    ...(kept ? [`<p>${escapeHtml(kept)}</p>`] : []),
    table,
    '<p>PLY files open in Blender, MeshLab and most 3D viewers.</p>',
    '<p>— Gen3D</p>',
  ].join('\n');
}

/** What the user reads when a job failed: the problem in plain words, and a reference for support. */
export function userFailureEmail(input: { name: string; failure: FailureDocument }): Email {
  const { error } = input.failure;
  // A malformed request is the uploader's to fix (a bad option value): say what was wrong, not only that it was.
  const message =
    error.type === 'InvalidRequestError'
      ? `${userMessageFor(error.type)} ${whatWasWrong(error.message)}`
      : userMessageFor(error.type);
  const again = input.failure.retryable
    ? 'Please try again in a few minutes.'
    : error.type === 'InvalidRequestError'
      ? 'Please upload the picture again with corrected options.'
      : 'Please upload another picture.';
  const reference = input.failure.jobId ?? 'none';
  const subject = 'We could not make your 3D model';
  const which = `We could not make a 3D model of "${input.name}.png".`;
  const text = ['Hello,', '', which, message, again, '', `Reference: ${reference}`, '— Gen3D'].join('\n');
  const html = [
    '<p>Hello,</p>',
    `<p>We could not make a 3D model of <strong>${escapeHtml(input.name)}.png</strong>.</p>`,
    `<p>${escapeHtml(message)} ${escapeHtml(again)}</p>`,
    `<p>Reference: <code>${escapeHtml(reference)}</code></p>`,
    '<p>— Gen3D</p>',
  ].join('\n');
  return { subject, text, html };
}

/** The technical reason of a refused request, cut to one readable sentence for the uploader. */
function whatWasWrong(message: string): string {
  const reason = message.replace(/\s+/g, ' ').trim();
  return `What was wrong: ${reason.length > 300 ? `${reason.slice(0, 299)}…` : reason}`;
}

/** What the admin reads: every technical detail of the failure. */
export function adminFailureEmail(input: { failure: FailureDocument; recipientKnown: boolean }): Email {
  const f = input.failure;
  const table = details([
    ['Error type', f.error.type],
    ['Message', f.error.message],
    ['Stage', f.stage],
    ['Retryable', f.retryable ? 'yes' : 'no'],
    ['Job', f.jobId ?? 'none'],
    ['User', f.userId ?? 'unknown (unusable key)'],
    ['Input', `s3://${f.input.bucket}/${f.input.key}`],
    ['Failed at', f.failedAt],
    ['User notified', input.recipientKnown ? 'yes' : 'no (no address given at upload)'],
  ]);
  return {
    subject: `[Gen3D] job failed: ${f.error.type} at ${f.stage}`,
    text: ['A Gen3D job failed.', '', table.text].join('\n'),
    html: ['<p>A Gen3D job failed.</p>', table.html].join('\n'),
  };
}

/** SageMaker recorded a failure the container did not describe (it crashed or timed out): the admin's problem. */
export function sageMakerFailureEmail(input: { key: string; inferenceId: string; text: string }): Email {
  const excerpt = input.text.length > 2000 ? `${input.text.slice(0, 2000)}…` : input.text;
  const table = details([
    ['Inference id', input.inferenceId],
    ['SageMaker failure record', input.key],
  ]);
  return {
    subject: `[Gen3D] SageMaker inference failed: ${subjectSafe(input.inferenceId)}`,
    text: [
      'SageMaker recorded a failed inference that the container did not describe.',
      '',
      table.text,
      '',
      excerpt,
    ].join('\n'),
    html: [
      '<p>SageMaker recorded a failed inference that the container did not describe.</p>',
      table.html,
      `<pre>${escapeHtml(excerpt)}</pre>`,
    ].join('\n'),
  };
}
