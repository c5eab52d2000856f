// No function in apps/*/src or libs/*/src (TypeScript or Python, tests excluded) is longer than a person can hold in
// their head: 120 lines (STYLE.md). `node tools/checks/function-lengths.mjs 80` lists the longest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { functionLengths } from './function-lengths.mjs';

const LIMIT = 120;

test(`no function is longer than ${LIMIT} lines`, () => {
  const found = functionLengths();
  assert.ok(
    found.length > 500,
    `the scan found only ${found.length} functions: it is not reading the sources`,
  );
  const long = found
    .filter((f) => f.lines > LIMIT)
    .map((f) => `${f.file}:${f.start} ${f.name} (${f.lines} lines)`);
  assert.deepEqual(long, []);
});
