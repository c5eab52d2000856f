// Web API benchmark: what each route of libs/api costs as the browser sees it, over HTTP on the built local stack
// (the same core the API Lambda runs; here with the folder store). One real picture goes through the pipeline so
// that the job routes read a finished job (status, report, mesh metadata).
//   node apps/web/bench/api-bench.mjs [--repeat 50] [--json OUT]
import { rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startStack, workerPicture } from '../../../tools/bench/local-stack.mjs';
const { values } = parseArgs({
  options: { repeat: { type: 'string', default: '50' }, json: { type: 'string' } },
});
const repeat = Number(values.repeat);

const { home, stack, url } = await startStack({
  MAX_ACTIVE_JOBS_PER_USER: '100',
  ADDRESS_DAILY_CAP: '10000',
});
const base = `${url}/api`;

async function call(method, path, { token, body } = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function timed(label, times, action) {
  const ms = [];
  for (let i = 0; i < times; i += 1) {
    const start = performance.now();
    await action(i);
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
  return { route: label, n: times, medianMs: +at(0.5).toFixed(1), p95Ms: +at(0.95).toFixed(1) };
}

const results = [];
try {
  results.push(await timed('POST /session', repeat, () => call('POST', '/session')));
  const { token } = await call('POST', '/session');
  const uploadBody = (i) => ({ fileName: `bench ${i}.png`, size: 20000, email: 'bench@example.com' });
  results.push(
    await timed('POST /uploads', repeat, (i) => call('POST', '/uploads', { token, body: uploadBody(i) })),
  );

  // One real job, to read a finished one.
  const grant = await call('POST', '/uploads', { token, body: uploadBody('real') });
  const form = new FormData();
  for (const [field, value] of Object.entries(grant.upload.fields)) form.append(field, value);
  form.append('file', new Blob([workerPicture(256)], { type: 'image/png' }));
  const posted = await fetch(grant.upload.url, { method: 'POST', body: form });
  if (posted.status >= 300) throw new Error(`upload refused: ${posted.status}`);
  let job;
  for (let waited = 0; !job || job.state !== 'done'; waited += 200) {
    if (waited > 120_000) throw new Error('the job did not finish in 2 min');
    await new Promise((r) => setTimeout(r, 200));
    [job] = (await call('GET', `/jobs?name=${encodeURIComponent(grant.name)}`, { token })).jobs;
  }
  results.push(await timed('GET /jobs', repeat, () => call('GET', '/jobs', { token })));
  results.push(await timed('GET /jobs/{id}', repeat, () => call('GET', `/jobs/${job.jobId}`, { token })));
  results.push(
    await timed('GET /jobs/{id}/mesh', repeat, () => call('GET', `/jobs/${job.jobId}/mesh`, { token })),
  );
} finally {
  stack.kill('SIGINT');
  await new Promise((r) => stack.once('exit', r));
  rmSync(home, { recursive: true, force: true });
}

for (const r of results)
  console.log(`${r.route.padEnd(22)} median ${r.medianMs} ms   p95 ${r.p95Ms} ms   (n=${r.n})`);
if (values.json) writeFileSync(values.json, `${JSON.stringify({ results }, null, 2)}\n`);
