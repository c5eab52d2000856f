import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// image-tag.sh: the inference images' tag is the last commit that changed what they are built from, so a deploy that
// leaves them alone keeps the endpoint's model. Run here in a scratch repository; its path list is checked against
// the images workflow's trigger.
const root = join(__dirname, '../../..');
const script = join(__dirname, '../image-tag.sh');
const inputs = [...readFileSync(script, 'utf8').matchAll(/^ {2}([\w./-]+)$/gm)].map((m) => m[1] as string);

describe('image-tag.sh', () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: repo,
      encoding: 'utf8',
    }).trim();
  const commitFile = (path: string, text: string) => {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
    git('add', path);
    git('commit', '-q', '-m', `change ${path}`);
    return git('rev-parse', '--short=12', 'HEAD');
  };
  const tag = () =>
    execFileSync('bash', [join(repo, 'apps/inference-server/image-tag.sh')], { encoding: 'utf8' }).trim();

  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'gen3d-image-tag-'));
    git('init', '-q');
    mkdirSync(join(repo, 'apps/inference-server'), { recursive: true });
    copyFileSync(script, join(repo, 'apps/inference-server/image-tag.sh'));
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  it('is the last commit that changed an image input, not a later one that changed something else', () => {
    const first = commitFile('apps/inference-server/worker/x.py', '1');
    commitFile('apps/infra/src/stacks/notify-stack.ts', 'grant');
    commitFile('docs/deploy.md', 'words');
    expect(tag()).toBe(first);
    const library = commitFile('libs/sidecar/src/job.ts', 'job');
    commitFile('apps/web/src/main.ts', 'page');
    expect(tag()).toBe(library);
    expect(commitFile('package-lock.json', '{}')).toBe(tag());
  });

  it('names the paths that trigger the images workflow', () => {
    const workflow = readFileSync(join(root, '.github/workflows/images.yml'), 'utf8');
    const triggers = [...workflow.matchAll(/^ {6}- '([^']+)'$/gm)]
      .map((m) => (m[1] as string).replace(/\/\*\*$/, ''))
      .filter((path) => path !== '.github/workflows/images.yml');
    expect(inputs.length).toBeGreaterThan(5);
    expect([...inputs].sort()).toEqual([...triggers].sort());
  });
});
