// How long splitting a worker's multipart answer takes: undici's Response.formData() against readMultipart (the
// sidecar's boundary scan), on an answer shaped like a 512² job's: a 4.7 MB PLY and a 150 kB thumbnail.
//   npx nx build sidecar && node libs/sidecar/bench/multipart-bench.mjs [--repeat 10]
import { parseArgs } from 'node:util';
import { readMultipart } from '../dist/multipart.js';

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '10' } } });
const repeat = Number(values.repeat);
const boundary = 'gen3d-bench';
const part = (name, type, bytes) =>
  Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
    bytes,
    Buffer.from('\r\n'),
  ]);
const body = Buffer.concat([
  part('ply', 'application/octet-stream', Buffer.alloc(4_700_000, 7)),
  part('thumbnail', 'image/png', Buffer.alloc(150_000, 3)),
  Buffer.from(`--${boundary}--\r\n`),
]);

async function median(split) {
  const ms = [];
  for (let i = 0; i < repeat; i += 1) {
    const start = performance.now();
    await split();
    ms.push(performance.now() - start);
  }
  return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)].toFixed(1);
}

const viaFormData = await median(async () => {
  const response = new Response(body, {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  await (await response.formData()).get('ply').arrayBuffer();
});
const viaScan = await median(async () => readMultipart(body, boundary)?.get('ply'));
console.log(
  `median of ${repeat}: formData() ${viaFormData} ms, readMultipart ${viaScan} ms (${body.length} bytes)`,
);
