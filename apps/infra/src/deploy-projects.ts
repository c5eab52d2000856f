import { build } from 'esbuild';
import { DEPLOY_ORDER, type DeployUnit } from './deploy-order';

/** Each source file the CDK app runs → the source files it imports (paths relative to the workspace root). */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** What a stack's deploy project must name so that `nx affected` marks it exactly when its template can change. */
export interface DeploySources {
  /** The deploy target's inputs: every apps/infra file the stack's template is made from, and the lock file. */
  readonly inputs: string[];
  /** The project's implicit dependencies: the app whose bundle it packages, then the libraries its code imports. */
  readonly implicitDependencies: string[];
}

const MAIN = 'apps/infra/src/main.ts';
const LOCK_FILE = '{workspaceRoot}/package-lock.json';
const isStackModule = (file: string) => file.startsWith('apps/infra/src/stacks/');

/**
 * The CDK app's import graph, from one esbuild pass over main.ts (npm packages left out). Type-only imports are not
 * in it: they make no template.
 */
export async function readImportGraph(root: string): Promise<ImportGraph> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [MAIN],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    packages: 'external',
    logLevel: 'silent',
  });
  return new Map(
    Object.entries(result.metafile.inputs).map(([file, input]) => [
      file,
      input.imports.filter((i) => !i.external).map((i) => i.path),
    ]),
  );
}

function reachable(graph: ImportGraph, from: string, follow: (file: string) => boolean): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of graph.get(file) ?? []) if (follow(next)) visit(next);
  };
  visit(from);
  return seen;
}

/** The stack module a deploy unit deploys: deploy-notify → apps/infra/src/stacks/notify-stack.ts. */
export const stackModuleOf = (unit: DeployUnit) =>
  `apps/infra/src/stacks/${unit.project.replace(/^deploy-/, '')}-stack.ts`;

/**
 * What the unit's deploy project names: the files its stack module reaches, with those every stack shares (main.ts,
 * app.ts and what they import outside the stack modules).
 */
export function deploySourcesOf(graph: ImportGraph, unit: DeployUnit): DeploySources {
  const stackModule = stackModuleOf(unit);
  if (!graph.has(stackModule)) throw new Error(`${MAIN} does not import ${stackModule} (${unit.stack})`);
  const files = new Set([
    ...reachable(graph, MAIN, (file) => !isStackModule(file)),
    ...reachable(graph, stackModule, () => true),
  ]);
  const sorted = [...files].sort();
  const libraries = new Set(
    sorted.filter((f) => f.startsWith('libs/')).map((f) => f.split('/')[1] as string),
  );
  return {
    inputs: [
      ...sorted.filter((f) => f.startsWith('apps/infra/')).map((f) => `{workspaceRoot}/${f}`),
      LOCK_FILE,
    ],
    implicitDependencies: [...(unit.bundle ? [unit.bundle] : []), ...libraries],
  };
}

/** A deploy project's folder, relative to the workspace root: deploy-notify → apps/infra/deploy/notify. */
export const deployProjectDir = (unit: DeployUnit) =>
  `apps/infra/deploy/${unit.project.replace(/^deploy-/, '')}`;

const INFRA_BUILD = { projects: ['infra'], target: 'build' };
/**
 * Waits until the image repository holds the image of the deployment's profile (GEN3D_PROFILE) at the tag of the last
 * commit that changed what the images are built from (image-tag.sh), which the images workflow pushes and the stack
 * then runs: a change that leaves the images alone keeps the endpoint's model. The deploy builds no image.
 */
const IMAGE_WAIT =
  'export GEN3D_IMAGE_TAG=$(bash apps/inference-server/image-tag.sh) && node dist/apps/infra/image-wait-cli.js && ';

/**
 * The project.json of a unit's deploy project. Its deploy target builds the CDK app (which needs every bundle) and
 * deploys the one stack; it depends on no other stack's target, so deploying one never deploys another.
 */
export function deployProjectOf(unit: DeployUnit, sources: DeploySources): Record<string, unknown> {
  const wait = unit.awaitsImage ? IMAGE_WAIT : '';
  return {
    name: unit.project,
    $schema: '../../../../node_modules/nx/schemas/project-schema.json',
    projectType: 'application',
    tags: ['scope:infra', 'type:deploy'],
    implicitDependencies: sources.implicitDependencies,
    targets: {
      deploy: {
        executor: 'nx:run-commands',
        cache: false,
        inputs: sources.inputs,
        dependsOn: ['^build', INFRA_BUILD],
        options: {
          command: `${wait}bash tools/scripts/deploy.sh ${unit.stack}${unit.onlyWith ? ' --if-defined' : ''}`,
        },
      },
    },
  };
}

/** Every unit's project.json, by path relative to the workspace root, in deploy order. */
export async function deployProjects(root: string): Promise<Map<string, Record<string, unknown>>> {
  const graph = await readImportGraph(root);
  return new Map(
    DEPLOY_ORDER.map((unit) => [
      `${deployProjectDir(unit)}/project.json`,
      deployProjectOf(unit, deploySourcesOf(graph, unit)),
    ]),
  );
}
