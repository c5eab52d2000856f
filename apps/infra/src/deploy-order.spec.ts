import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildGen3DApp } from './app';
import { parseDeployRequest } from './deploy-affected-cli';
import { DEPLOY_ORDER, deployPlan, UnknownDeployProjectError, type DeployUnit } from './deploy-order';
import { deployProjectDir, deployProjects } from './deploy-projects';
import { EVERY_OPTION_CONTEXT } from './synth';
import { defined } from './testing';
import { workspaceRoot } from './workspace';

const root = workspaceRoot();

interface DeployProject {
  name: string;
  implicitDependencies?: string[];
  targets: { deploy: { inputs: string[]; dependsOn: unknown[]; options: { command: string } } };
}

describe('the deploy order (deploy-order.ts)', () => {
  // Constructing the app is enough for stack dependencies: no synthesis, no cdk-nag.
  const stacks = buildGen3DApp(new App({ context: { ...EVERY_OPTION_CONTEXT } }), {}).stacks;

  it('lists every stack the CDK app can define, each once', () => {
    expect(DEPLOY_ORDER.map((unit) => unit.stack).sort()).toEqual(stacks.map((s) => s.node.id).sort());
    expect(new Set(DEPLOY_ORDER.map((unit) => unit.project)).size).toBe(DEPLOY_ORDER.length);
  });

  it('puts every stack after the stacks it depends on in the CDK app (a first deploy succeeds)', () => {
    const position = (id: string) => DEPLOY_ORDER.findIndex((unit) => unit.stack === id);
    const edges = stacks.flatMap((stack) =>
      stack.dependencies.map((d): [string, string] => [d.node.id, stack.node.id]),
    );
    expect(edges.length).toBeGreaterThanOrEqual(4);
    for (const [dependency, dependant] of edges) {
      expect({ dependency, listed: position(dependency) >= 0 }).toEqual({ dependency, listed: true });
      expect(position(dependency)).toBeLessThan(position(dependant));
    }
  });

  it('orders the affected projects by it, whatever order Nx lists them in', () => {
    expect(
      deployPlan(['deploy-api', 'deploy-storage', 'deploy-web', 'deploy-notify']).map((u) => u.stack),
    ).toEqual(['Gen3DNotifyStack', 'Gen3DStorageStack', 'Gen3DWebStack', 'Gen3DApiStack']);
    expect(deployPlan([])).toEqual([]);
  });

  it('refuses a project with a deploy target that deploys no listed stack', () => {
    expect(() => deployPlan(['deploy-notify', 'notify-lambda'])).toThrow(UnknownDeployProjectError);
    expect(() => deployPlan(['notify-lambda'])).toThrow(/notify-lambda/);
  });
});

describe('the deploy projects (apps/infra/deploy/*/project.json)', () => {
  let expected: Map<string, Record<string, unknown>>;
  beforeAll(async () => {
    expected = await deployProjects(root);
  });
  const generated = (unit: DeployUnit) =>
    expected.get(`${deployProjectDir(unit)}/project.json`) as unknown as DeployProject;
  const unitNamed = (project: string) =>
    defined(
      DEPLOY_ORDER.find((u) => u.project === project),
      project,
    );

  it('are one per stack, each written from deploy-order.ts and the files its stack imports', () => {
    const onDisk = readdirSync(join(root, 'apps/infra/deploy')).map(
      (dir) => `apps/infra/deploy/${dir}/project.json`,
    );
    expect(onDisk.sort()).toEqual([...expected.keys()].sort());
    for (const [path, project] of expected) {
      const fix = 'npx nx run infra:deploy-projects, after a stack imports another file';
      const onDiskProject = JSON.parse(readFileSync(join(root, path), 'utf8')) as unknown;
      expect({ path, project: onDiskProject, fix }).toEqual({ path, project, fix });
    }
  });

  it('deploy each stack alone with deploy.sh, after building the CDK app, and never another stack’s target', () => {
    for (const unit of DEPLOY_ORDER) {
      const { deploy } = generated(unit).targets;
      expect(deploy.options.command).toMatch(
        new RegExp(`bash tools/scripts/deploy\\.sh ${unit.stack}( --if-defined)?$`),
      );
      expect(deploy.dependsOn).toContainEqual({ projects: ['infra'], target: 'build' });
      expect(JSON.stringify(deploy.dependsOn)).not.toMatch(/deploy-/);
    }
    const inference = generated(unitNamed('deploy-inference')).targets.deploy;
    // The inference stack's deploy builds no image: it waits until the images workflow has pushed the profile's image
    // at the commit's tag, then runs it.
    expect(inference.options.command).toMatch(
      /^export GEN3D_IMAGE_TAG=\$\(bash apps\/inference-server\/image-tag\.sh\) && node dist\/apps\/infra\/image-wait-cli\.js && bash /,
    );
    expect(inference.options.command).not.toMatch(/ecr-push|docker/);
    const cliEntries = (
      JSON.parse(readFileSync(join(root, 'apps/infra/project.json'), 'utf8')) as {
        targets: { build: { options: { additionalEntryPoints: string[] } } };
      }
    ).targets.build.options.additionalEntryPoints;
    expect(cliEntries).toContain('apps/infra/src/image-wait-cli.ts');
    expect(generated(unitNamed('deploy-replica')).targets.deploy.options.command).toMatch(/ --if-defined$/);
  });

  it('mark a stack affected by its own module, by what every stack shares, by its bundle and by its libraries', () => {
    const notify = generated(unitNamed('deploy-notify'));
    expect(notify.targets.deploy.inputs).toEqual(
      expect.arrayContaining([
        '{workspaceRoot}/apps/infra/src/stacks/notify-stack.ts',
        '{workspaceRoot}/apps/infra/src/constructs/pipeline-function.ts',
        '{workspaceRoot}/apps/infra/src/app.ts',
        '{workspaceRoot}/apps/infra/src/settings.ts',
        '{workspaceRoot}/package-lock.json',
      ]),
    );
    expect(notify.targets.deploy.inputs).not.toContain(
      '{workspaceRoot}/apps/infra/src/stacks/extract-stack.ts',
    );
    expect(notify.targets.deploy.inputs.filter((i) => /(\.spec|-cli)\.ts$/.test(i))).toEqual([]);
    expect(notify.implicitDependencies?.[0]).toBe('notify-lambda');
    expect(generated(unitNamed('deploy-storage')).implicitDependencies).toContain('s3-keys');
    // The API stack takes names from the notify and web stacks' modules: a change to either may change its template.
    expect(generated(unitNamed('deploy-api')).targets.deploy.inputs).toEqual(
      expect.arrayContaining([
        '{workspaceRoot}/apps/infra/src/stacks/notify-stack.ts',
        '{workspaceRoot}/apps/infra/src/stacks/web-stack.ts',
      ]),
    );
  });

  it('keep every stack but the API stack out of a change to api-stack.ts: Operations reads the function’s size from names.ts', () => {
    const apiStack = '{workspaceRoot}/apps/infra/src/stacks/api-stack.ts';
    const importers = DEPLOY_ORDER.filter((unit) => generated(unit).targets.deploy.inputs.includes(apiStack));
    expect(importers.map((unit) => unit.project)).toEqual(['deploy-api']);
    const operations = generated(unitNamed('deploy-operations'));
    expect(operations.targets.deploy.inputs).toContain('{workspaceRoot}/apps/infra/src/names.ts');
    expect(operations.implicitDependencies).not.toContain('api');
  });
});

describe('docs/deploy.md', () => {
  const doc = readFileSync(join(root, 'docs/deploy.md'), 'utf8');
  const section = (heading: string) => {
    const start = doc.indexOf(`\n## ${heading}\n`);
    expect(start).toBeGreaterThan(0);
    const end = doc.indexOf('\n## ', start + 1);
    return doc.slice(start, end < 0 ? undefined : end);
  };

  it('deploys the stacks of a first deployment in the order CI uses', () => {
    const named = [
      ...section('First deployment (empty account)').matchAll(/deploy\.sh (Gen3D\w+Stack)/g),
    ].map((m) => m[1]);
    expect([...new Set(named)]).toEqual(DEPLOY_ORDER.map((unit) => unit.stack));
  });

  it('says that order where it says how CI deploys', () => {
    const line = defined(section('How CI deploys').match(/Gen3D\w+Stack( → Gen3D\w+Stack)+/), 'the order');
    expect(line[0].split(' → ')).toEqual(DEPLOY_ORDER.map((unit) => unit.stack));
  });
});

describe('deploy-affected’s command line', () => {
  it('passes what says what changed to Nx and keeps --all and --dry-run for itself', () => {
    expect(parseDeployRequest(['--dry-run', '--base=abc', '--head=def', '--files=a.ts,b.ts'])).toEqual({
      all: false,
      dryRun: true,
      affectedArgs: ['--base=abc', '--head=def', '--files=a.ts,b.ts'],
    });
    expect(parseDeployRequest(['--all'])).toEqual({ all: true, dryRun: false, affectedArgs: [] });
    expect(() => parseDeployRequest(['--base', 'abc'])).toThrow(/unknown argument --base abc/);
  });
});
