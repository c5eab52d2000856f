import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The workflow that builds the inference images on GitHub-hosted runners (.github/workflows/images.yml), read as text.
const root = join(__dirname, '../../..');
// Comment lines and trailing comments dropped: the assertions read what runs.
const lines = readFileSync(join(root, '.github/workflows/images.yml'), 'utf8')
  .split('\n')
  .filter((line) => !line.trim().startsWith('#'))
  .map((line) => line.replace(/\s+#\s.*$/, ''));
const workflow = lines.join('\n');

/** The lines of a top-level key's block (`on:`, `jobs:`, ...), up to the next top-level key. */
function block(key: string): string[] {
  const start = lines.indexOf(`${key}:`);
  const end = lines.findIndex((line, i) => i > start && /^[A-Za-z]/.test(line));
  return start < 0
    ? []
    : lines.slice(start + 1, end < 0 ? undefined : end).filter((line) => line.trim() !== '');
}

/** The workspace libraries a source folder imports, directly or through another library. */
function bundledLibraries(sourceDir: string, seen = new Set<string>()): Set<string> {
  const files = readdirSync(sourceDir, { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'),
  );
  for (const file of files) {
    for (const [, name] of readFileSync(join(sourceDir, file), 'utf8').matchAll(
      /from '@gen3d\/([a-z0-9-]+)'/g,
    )) {
      if (!seen.has(name as string)) {
        seen.add(name as string);
        bundledLibraries(join(root, 'libs', name as string, 'src'), seen);
      }
    }
  }
  return seen;
}

describe('the images workflow', () => {
  const on = block('on');
  const paths = on
    .map((line) => /^\s+- '([^']+)'$/.exec(line)?.[1])
    .filter((path): path is string => path !== undefined);

  it('runs on a push to main only', () => {
    expect(on.filter((line) => /^ {2}\S/.test(line))).toEqual(['  push:']);
    expect(on).toContain('    branches: [main]');
    expect(workflow).not.toMatch(/pull_request|workflow_dispatch|schedule:/);
  });

  it('runs when the inference server, a library its sidecar bundles, or the build context rules change', () => {
    expect(paths).toContain('apps/inference-server/**');
    expect(paths).toContain('.dockerignore');
    const libraries = [...bundledLibraries(join(root, 'apps/inference-server/src'))].sort();
    expect(libraries.length).toBeGreaterThan(0);
    expect(paths.filter((p) => p.startsWith('libs/')).sort()).toEqual(
      libraries.map((name) => `libs/${name}/**`),
    );
  });

  it('builds the three Dockerfiles, each through the push script', () => {
    const dockerfiles = lines
      .map((l) => /^\s+dockerfile: (\S+)$/.exec(l)?.[1])
      .filter((d) => d !== undefined);
    expect(dockerfiles.sort()).toEqual([
      'apps/inference-server/Dockerfile',
      'apps/inference-server/Dockerfile.cpu',
      'apps/inference-server/Dockerfile.sam3d',
    ]);
    for (const dockerfile of dockerfiles) expect(existsSync(join(root, dockerfile as string))).toBe(true);
    expect(workflow).toContain('run: bash apps/inference-server/ecr-push.sh Dockerfile gpu-\n');
    expect(workflow).toContain('run: bash apps/inference-server/sam3d/ecr-push.sh');
    expect(workflow).toContain('run: bash apps/inference-server/ecr-push.sh Dockerfile.cpu cpu-');
    // No build outside the push script: what is built is what is pushed.
    expect(workflow).not.toContain('docker buildx build');
    const push = readFileSync(join(root, 'apps/inference-server/sam3d/ecr-push.sh'), 'utf8');
    expect(push).toMatch(/^exec bash .*\/ecr-push\.sh" Dockerfile\.sam3d sam3d-$/m);
    const shared = readFileSync(join(root, 'apps/inference-server/ecr-push.sh'), 'utf8');
    // Both arguments are required: every image has a tag prefix (decision 0037), none is the default.
    expect(shared).toContain('dockerfile="apps/inference-server/${1:?$usage}"');
    expect(shared).toContain('prefix="${2:?$usage}"');
    expect(shared).toMatch(/^tag="\$prefix\$\(bash apps\/inference-server\/image-tag\.sh\)"$/m);
    expect(shared).toContain('docker buildx build --load -f "$dockerfile" -t "$image:$tag" .');
  });

  it("pushes every profile's image, the deployed one included: the deploy builds none and waits for it", () => {
    const profiles = lines.map((l) => /^\s+profile: (\S+)$/.exec(l)?.[1]).filter((p) => p !== undefined);
    expect(profiles.sort()).toEqual(['cpu', 'sam3d', 'seed']);
    const pushes = lines
      .map((l, i) => (/ecr-push\.sh/.test(l) && /^\s+run: /.test(l) ? lines[i - 1]?.trim() : undefined))
      .filter((l) => l !== undefined);
    expect(pushes.sort()).toEqual([
      "if: matrix.image == 'cpu'",
      "if: matrix.image == 'gpu'",
      "if: matrix.image == 'sam3d'",
    ]);
    // Nothing depends on which profile is deployed: every image is pushed for every image change.
    expect(workflow).not.toMatch(/DEPLOYED_PROFILE|GEN3D_PROFILE|GEN3D_BACKEND/);
    const deploy = readFileSync(join(root, 'apps/infra/deploy/inference/project.json'), 'utf8');
    expect(deploy).not.toMatch(/ecr-push|docker/);
    expect(deploy).toContain('node dist/apps/infra/image-wait-cli.js');
  });

  it('runs once per commit, never cancelled by a later one, so each commit’s tag is pushed', () => {
    expect(block('concurrency')).toEqual([
      '  group: images-${{ github.sha }}',
      '  cancel-in-progress: false',
    ]);
  });

  it('takes AWS credentials through OIDC, with the account set before the push', () => {
    expect(block('permissions')).toEqual(['  contents: read', '  id-token: write']);
    expect(workflow).toContain('role-to-assume: ${{ secrets.AWS_DEPLOY_ROLE_ARN }}');
    expect(workflow).not.toMatch(/aws-access-key-id|aws-secret-access-key/);
    const credentials = workflow.indexOf('aws-actions/configure-aws-credentials');
    const account = workflow.indexOf('AWS_ACCOUNT_ID=');
    expect(credentials).toBeGreaterThan(0);
    expect(account).toBeGreaterThan(credentials);
    expect(workflow.indexOf('sam3d/ecr-push.sh')).toBeGreaterThan(account);
    expect(workflow.indexOf('ecr-push.sh Dockerfile.cpu')).toBeGreaterThan(account);
  });

  it('frees disk and builds the sidecar before any image', () => {
    const free = workflow.indexOf('name: Free disk space');
    const sidecar = workflow.indexOf('npx nx build inference-server');
    expect(free).toBeGreaterThan(0);
    expect(sidecar).toBeGreaterThan(free);
    expect(workflow.indexOf('run: bash apps/inference-server/ecr-push.sh')).toBeGreaterThan(sidecar);
    expect(workflow.indexOf('sam3d/ecr-push.sh')).toBeGreaterThan(sidecar);
    expect(workflow).toContain('"data-root": "/mnt/docker"');
  });
});
