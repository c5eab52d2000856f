import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (the folder holding nx.json), found from this file whether it runs from src/ or dist/. */
export function workspaceRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`no nx.json above ${from}: run the CDK app from the Gen3D repository`);
    dir = parent;
  }
  return dir;
}

export class MissingBundleError extends Error {
  constructor(project: string, file: string) {
    super(
      `${file} does not exist: build it first (npx nx build ${project}; nx run infra:synth does it for you)`,
    );
    this.name = 'MissingBundleError';
  }
}

/**
 * The folder of an app's build output, checked to hold the file the stack deploys.
 *
 * @example bundleDir('extract-lambda', 'lambda_function.js') // <root>/dist/apps/extract-lambda
 */
export function bundleDir(project: string, file: string, root = workspaceRoot()): string {
  const dir = join(root, 'dist', 'apps', project);
  if (!existsSync(join(dir, file)))
    throw new MissingBundleError(project, join('dist', 'apps', project, file));
  return dir;
}
