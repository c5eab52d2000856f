import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { deployProjects } from './deploy-projects';
import { workspaceRoot } from './workspace';

/**
 * `npx nx run infra:deploy-projects`: writes apps/infra/deploy/<name>/project.json for every stack of
 * deploy-order.ts, with the files its template is made from as the deploy target's inputs. Run it after changing
 * which files a stack imports (deploy-order.spec.ts fails until then); `--check` only compares.
 */
async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const root = workspaceRoot();
  for (const [path, project] of await deployProjects(root)) {
    const file = join(root, path);
    const text = await format(JSON.stringify(project), { ...(await resolveConfig(file)), filepath: file });
    if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
    if (check) {
      console.error(`${path} is stale: run npx nx run infra:deploy-projects`);
      process.exitCode = 1;
      continue;
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.error(`wrote ${path}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
