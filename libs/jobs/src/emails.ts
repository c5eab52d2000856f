import { userMessageFor, type FailureDocument, type JobReport } from '@gen3d/events';
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

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
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

/** The "your model is ready" email, with the link and what was made, named honestly. */
export function successEmail(input: {
  readonly name: string;
  readonly report: JobReport | undefined;
  readonly meshBytes: number;
  readonly link: string;
  /** When a presigned link stops working; undefined for a link into the web app, which does not expire. */
  readonly expiresAt: Date | undefined;
}): Email {
  const { report } = input;
  const worker = report?.worker;
  const rows: [string, string][] = [
    ['Picture', `${input.name}.png`],
    ['Method', worker ? worker.method : 'unknown'],
    ...(worker?.fallbackFrom
      ? ([['Note', `made with ${worker.backend} because ${worker.fallbackFrom} was unavailable`]] as [
          string,
          string,
        ][])
      : []),
    ['Mesh', worker ? `${worker.mesh.vertices} vertices, ${worker.mesh.faces} triangles` : 'unknown'],
    ['Closed (watertight)', worker ? (worker.mesh.watertight ? 'yes' : 'no') : 'unknown'],
    ['File', `${input.name}.ply, ${megabytes(input.meshBytes)}`],
    ['Processing time', seconds(report?.timingsMs['total'])],
  ];
  const table = details(rows);
  const until = input.expiresAt?.toUTCString();
  const subject = `Your 3D model of "${subjectSafe(input.name)}" is ready`;
  const text = [
    'Hello,',
    '',
    until
      ? `Your 3D model of "${input.name}.png" is ready. Download it (PLY) before ${until}:`
      : `Your 3D model of "${input.name}.png" is ready. See it in 3D and download it (PLY) here:`,
    input.link,
    '',
    table.text,
    '',
    'PLY files open in Blender, MeshLab and most 3D viewers.',
    '— Gen3D',
  ].join('\n');
  const html = [
    '<p>Hello,</p>',
    `<p>Your 3D model of <strong>${escapeHtml(input.name)}.png</strong> is ready.</p>`,
    until
      ? `<p><a href="${escapeHtml(input.link)}">Download ${escapeHtml(input.name)}.ply</a> (the link works until ${escapeHtml(until)}).</p>`
      : `<p><a href="${escapeHtml(input.link)}">See ${escapeHtml(input.name)} in 3D and download it</a>.</p>`,
    table.html,
    '<p>PLY files open in Blender, MeshLab and most 3D viewers.</p>',
    '<p>— Gen3D</p>',
  ].join('\n');
  return { subject, text, html };
}

/** What the user reads when a job failed: the problem in plain words, and a reference for support. */
export function userFailureEmail(input: { name: string; failure: FailureDocument }): Email {
  const message = userMessageFor(input.failure.error.type);
  const again = input.failure.retryable
    ? 'Please try again in a few minutes.'
    : 'Please upload another picture.';
  const reference = input.failure.jobId ?? 'none';
  const subject = `We could not make a 3D model of "${subjectSafe(input.name)}"`;
  const text = ['Hello,', '', message, again, '', `Reference: ${reference}`, '— Gen3D'].join('\n');
  const html = [
    '<p>Hello,</p>',
    `<p>${escapeHtml(message)} ${escapeHtml(again)}</p>`,
    `<p>Reference: <code>${escapeHtml(reference)}</code></p>`,
    '<p>— Gen3D</p>',
  ].join('\n');
  return { subject, text, html };
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
