// What an oversized /invocations body costs the sidecar: peak resident memory (VmHWM) of the built sidecar before and
// after a 32 MiB body sent with a Content-Length, and one streamed without (chunked). Linux only (/proc).
//   npx nx build inference-server && node apps/inference-server/bench/body-limit-bench.mjs
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = join(import.meta.dirname, '../../..');
const port = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
const child = spawn(process.execPath, [join(root, 'dist/apps/inference-server/main.js'), 'serve'], {
  // No worker is needed to refuse a body: the sidecar listens while its worker cannot start.
  env: {
    ...process.env,
    DATA_BUCKET: 'gen3d-data-bucket',
    PORT: String(port),
    WORKER_PYTHON: '/nonexistent',
  },
  stdio: ['ignore', 'pipe', 'ignore'],
});
await new Promise((resolve) =>
  createInterface({ input: child.stdout }).on('line', (line) => line.includes('"listening"') && resolve()),
);
const peakMiB = () =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
const url = `http://127.0.0.1:${port}/invocations`;
const MiB = 1024 * 1024;
const rows = [['idle', '-', peakMiB()]];
const sized = await fetch(url, { method: 'POST', body: Buffer.alloc(32 * MiB, 32) });
rows.push(['32 MiB, Content-Length', sized.status, peakMiB()]);
const streamed = await fetch(url, {
  method: 'POST',
  duplex: 'half',
  body: new ReadableStream({
    start(controller) {
      for (let i = 0; i < 32; i += 1) controller.enqueue(new Uint8Array(MiB).fill(32));
      controller.close();
    },
  }),
});
rows.push(['32 MiB, chunked', streamed.status, peakMiB()]);
child.kill('SIGTERM');
console.log('| body | answer | sidecar peak RSS (MiB) |\n| --- | --- | --- |');
for (const [body, status, mib] of rows) console.log(`| ${body} | ${status} | ${mib.toFixed(1)} |`);
