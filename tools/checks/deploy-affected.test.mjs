// Which stacks a change deploys, asked of the real workspace graph the way CI asks it (`nx show projects --affected
// --withTarget deploy`, run by `nx run infra:deploy-affected`), for sample changed files. `--files` names the change,
// so neither the branch nor uncommitted work matters. Each stack is deployed by apps/infra/deploy/<name>/project.json.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
const EVERY_STACK = [
  'deploy-api',
  'deploy-extract',
  'deploy-inference',
  'deploy-notify',
  'deploy-operations',
  'deploy-replica',
  'deploy-storage',
  'deploy-web',
];

/** The deploy projects that a change to `files` marks affected, sorted. */
async function deploysFor(...files) {
  const { stdout } = await promisify(execFile)(
    'npx',
    [
      'nx',
      'show',
      'projects',
      '--affected',
      `--files=${files.join(',')}`,
      '--withTarget',
      'deploy',
      '--json',
    ],
    { env, encoding: 'utf8' },
  );
  return JSON.parse(stdout).sort();
}

/** Asks Nx about every sample at once (each `nx show` is a process of its own) and compares each answer. */
async function assertDeploys(expected) {
  const answers = await Promise.all(expected.map(([files]) => deploysFor(...[files].flat())));
  expected.forEach(([files, stacks], i) => assert.deepEqual(answers[i], stacks, `a change to ${files}`));
}

test('a stack’s own module deploys that stack, and the stacks whose modules import it', async () => {
  await assertDeploys([
    ['apps/infra/src/stacks/extract-stack.ts', ['deploy-extract']],
    ['apps/infra/src/stacks/replica-stack.ts', ['deploy-replica']],
    // The API stack takes the mail configuration set's name from notify-stack.ts: its template may change with it.
    ['apps/infra/src/stacks/notify-stack.ts', ['deploy-api', 'deploy-notify']],
    // The operations stack takes the API function's size from names.ts, not from api-stack.ts: the API stack's module
    // deploys the API stack alone.
    ['apps/infra/src/stacks/api-stack.ts', ['deploy-api']],
  ]);
});

test('what every stack is made from deploys every stack', async () => {
  await assertDeploys([
    ['apps/infra/src/settings.ts', EVERY_STACK],
    ['apps/infra/src/app.ts', EVERY_STACK],
    ['package-lock.json', EVERY_STACK],
  ]);
});

test('an app’s code deploys the stack that packages its bundle, and only that one', async () => {
  await assertDeploys([
    ['apps/notify-lambda/src/handler.ts', ['deploy-notify']],
    ['apps/inference-server/worker/src/gen3d_worker/cli.py', ['deploy-inference']],
    [
      ['apps/web/src/main.ts', 'apps/extract-lambda/src/handler.ts'],
      ['deploy-extract', 'deploy-web'],
    ],
    // Nx marks projects, not files: a test of the app deploys its stack too, where CloudFormation finds nothing to do.
    ['apps/notify-lambda/tests/notify.int.spec.ts', ['deploy-notify']],
  ]);
});

test('a library deploys the stacks whose bundles or modules use it', async () => {
  const [events, s3Keys] = await Promise.all([
    deploysFor('libs/events/src/index.ts'),
    deploysFor('libs/s3-keys/src/notification-rules.ts'),
  ]);
  for (const stack of ['deploy-extract', 'deploy-notify', 'deploy-inference', 'deploy-api']) {
    assert.ok(events.includes(stack), `libs/events deploys ${stack}: ${events.join(', ')}`);
  }
  for (const stack of ['deploy-storage', 'deploy-replica']) {
    assert.ok(!events.includes(stack), `libs/events does not deploy ${stack}: ${events.join(', ')}`);
  }
  // The bucket notifications come from @gen3d/s3-keys' rules: the storage stack deploys with it.
  assert.ok(s3Keys.includes('deploy-storage'), s3Keys.join(', '));
});

test('docs, tests and the infra tools deploy nothing', async () => {
  await assertDeploys([
    ['docs/deploy.md', []],
    [['apps/infra/src/retention.spec.ts', 'apps/infra/src/docs-cli.ts'], []],
  ]);
});

test('the deploy command deploys them in the first-deploy order, whatever order Nx lists them in', () => {
  execFileSync('npx', ['nx', 'run', 'infra:build', '--outputStyle=static'], { env, stdio: 'ignore' });
  const plan = execFileSync(
    'node',
    [
      'dist/apps/infra/deploy-affected-cli.js',
      '--dry-run',
      '--files=apps/web/src/main.ts,apps/infra/src/stacks/storage-stack.ts,apps/notify-lambda/src/handler.ts',
    ],
    { env, encoding: 'utf8' },
  );
  assert.equal(plan.trim(), 'deploy-affected: Gen3DNotifyStack → Gen3DStorageStack → Gen3DWebStack');
});
