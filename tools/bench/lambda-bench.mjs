// Lambda bundles: size, and the time a fresh Node process takes to load the bundle and construct the handler
// (what a cold start pays before the first event). Run after `nx build extract-lambda notify-lambda`.
//   node tools/bench/lambda-bench.mjs [--repeat 9] [--json OUT]
import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = join(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: { repeat: { type: 'string', default: '9' }, json: { type: 'string' } },
});
const env = {
  PATH: process.env.PATH,
  SAGEMAKER_ENDPOINT_NAME: 'Gen3DSAMAsyncEndpoint',
  DATA_BUCKET: 'gen3d-data-bucket',
  ADMIN_EMAIL: 'info@2112-lab.com',
  SOURCE_EMAIL: 'noreply@genesis3d.com',
  AWS_REGION: 'us-east-1',
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const name of ['extract-lambda', 'notify-lambda']) {
  const bundle = join(root, 'dist/apps', name, 'lambda_function.js');
  const probe = `const t = performance.now(); const m = require(${JSON.stringify(bundle)});
    if (typeof m.lambda_handler !== 'function') throw new Error('no handler');
    console.log(performance.now() - t);`;
  const times = Array.from({ length: Number(values.repeat) }, () =>
    Number(execFileSync(process.execPath, ['-e', probe], { env, encoding: 'utf8' })),
  );
  rows.push({ name, bytes: statSync(bundle).size, loadMs: median(times), minLoadMs: Math.min(...times) });
}
console.log(
  `lambda bundles, load + construct in a fresh node ${process.version}, median of ${values.repeat}`,
);
console.log('| bundle | bytes (minified) | load + construct (ms, median) | fastest (ms) |');
console.log('| --- | --- | --- | --- |');
for (const r of rows)
  console.log(`| ${r.name} | ${r.bytes} | ${r.loadMs.toFixed(0)} | ${r.minLoadMs.toFixed(0)} |`);
if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 2));
