// Local-stack benchmark: the pipeline's own cost per job (end-to-end latency from the upload to the email in the
// outbox, minus the worker's own reconstruction time from the job report), and throughput with many pictures queued
// at once. Real processes: the built local stack, its sidecar and embedded worker host, uploads over HTTP.
//   node apps/local-stack/bench/pipeline-bench.mjs [--size 512] [--repeat 7] [--jobs 20] [--concurrency 2] [--json OUT]
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startStack, workerPicture } from '../../../tools/bench/local-stack.mjs';
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '512' },
    repeat: { type: 'string', default: '7' },
    jobs: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: String(Math.min(4, cpus().length)) },
    json: { type: 'string' },
  },
});
const size = Number(values.size);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const png = workerPicture(size);
const { home, stack, url } = await startStack({ MAX_CONCURRENT_INVOCATIONS: values.concurrency });
const token = readFileSync(join(home, 'operator.token'), 'utf8').trim();
const outbox = join(home, 'outbox');
const mails = () => (existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.eml')).length : 0);

/** Uploads one picture as the CLI does (presigned POST form), returns when S3 would have answered. */
async function upload(user, name) {
  const forms = await (
    await fetch(`${url}/local/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: user, name, email: `${user}@example.com` }),
    })
  ).json();
  const form = new FormData();
  for (const [field, value] of Object.entries(forms.upload.fields)) form.append(field, value);
  form.append('file', new Blob([png], { type: 'image/png' }));
  const response = await fetch(forms.upload.url, { method: 'POST', body: form });
  if (response.status !== 204) throw new Error(`upload refused: ${response.status}`);
}

function report(user, name) {
  const file = join(home, 'data/gen3d-data-bucket/users', user, 'output', `${name}.report.json`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

function outputOf(jobId) {
  return join(home, 'data/gen3d-data-bucket/sagemaker-output', `${jobId}.out`);
}

function jobStatus(user, jobId) {
  const file = join(home, 'data/gen3d-data-bucket/users', user, 'jobs', jobId, 'status.json');
  return JSON.parse(readFileSync(file, 'utf8'));
}

async function waitForMails(count, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (mails() < count) {
    if (Date.now() > deadline) throw new Error(`only ${mails()} of ${count} emails after ${timeoutMs} ms`);
    await sleep(2);
  }
}

try {
  // 1. One job at a time: end-to-end latency, the worker's own time, and what the pipeline adds.
  await upload('warmup', 'warmup');
  await waitForMails(1, 60_000);
  const rows = [];
  for (let i = 0; i < Number(values.repeat); i += 1) {
    const before = mails();
    const started = performance.now();
    const wallStart = Date.now();
    await upload('single', `picture-${i}`);
    const uploaded = performance.now() - started;
    await waitForMails(before + 1, 60_000);
    const e2e = performance.now() - started;
    const r = report('single', `picture-${i}`);
    const worker = r.worker.timingsMs.total;
    // The email can land before the sidecar's last writes (status done, SageMaker's output): wait for them.
    let status = jobStatus('single', r.jobId);
    while (status.state !== 'done' || !existsSync(outputOf(r.jobId))) {
      await sleep(5);
      status = jobStatus('single', r.jobId);
    }
    const result = JSON.parse(readFileSync(outputOf(r.jobId), 'utf8'));
    const at = (iso) => Date.parse(iso) - wallStart;
    rows.push({
      e2e,
      worker,
      overhead: e2e - worker,
      // Where the rest goes (ms since the upload began): the POST, extract (status queued), the async queue and
      // the sidecar's start (reconstructing), the sidecar's I/O and its worker call, then notify and the email.
      stages: {
        upload: Math.round(uploaded),
        queuedAt: at(status.queuedAt),
        startedAt: at(status.startedAt),
        finishedAt: at(status.finishedAt),
        email: Math.round(e2e),
        sidecarDownload: r.timingsMs.download,
        sidecarWorkerCall: r.timingsMs.worker,
        sidecarUpload: result.timingsMs.upload,
      },
    });
  }
  const single = {
    e2eMs: Math.round(median(rows.map((r) => r.e2e))),
    workerMs: Math.round(median(rows.map((r) => r.worker))),
    overheadMs: Math.round(median(rows.map((r) => r.overhead))),
    overheadMinMs: Math.round(Math.min(...rows.map((r) => r.overhead))),
    overheadMaxMs: Math.round(Math.max(...rows.map((r) => r.overhead))),
  };
  const stage = (name) => Math.round(median(rows.map((r) => r.stages[name])));
  console.log(
    `  median timeline (ms after the upload began): upload answered ${stage('upload')}, queued ${stage('queuedAt')}, ` +
      `reconstructing ${stage('startedAt')}, done ${stage('finishedAt')}, email ${stage('email')}; sidecar: download ` +
      `${stage('sidecarDownload')}, worker call ${stage('sidecarWorkerCall')}, upload ${stage('sidecarUpload')}`,
  );
  console.log(
    `one ${size}² job at a time (median of ${rows.length}): upload -> email ${single.e2eMs} ms, worker itself ` +
      `${single.workerMs} ms, pipeline overhead ${single.overheadMs} ms (min ${single.overheadMinMs}, max ${single.overheadMaxMs}); target < 300 ms`,
  );

  // 2. Many pictures queued at once: jobs per minute, upload of the first to the email of the last.
  const jobs = Number(values.jobs);
  const before = mails();
  const started = performance.now();
  await Promise.all(Array.from({ length: jobs }, (_, i) => upload('batch', `queued-${i}`)));
  await waitForMails(before + jobs, 600_000);
  const seconds = (performance.now() - started) / 1000;
  const throughput = {
    jobs,
    seconds: Math.round(seconds * 10) / 10,
    jobsPerMinute: Math.round((jobs / seconds) * 60 * 10) / 10,
  };
  console.log(
    `${jobs} ${size}² pictures queued at once, ${values.concurrency} at a time on ${cpus().length} cores: ` +
      `${throughput.seconds} s, ${throughput.jobsPerMinute} jobs/min; target >= 30`,
  );
  if (values.json) {
    writeFileSync(
      values.json,
      JSON.stringify(
        { size, concurrency: Number(values.concurrency), cores: cpus().length, single, rows, throughput },
        null,
        2,
      ),
    );
  }
} finally {
  stack.kill('SIGINT');
  await new Promise((resolve) => stack.once('exit', resolve));
  rmSync(home, { recursive: true, force: true });
}
