import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { renderCost } from './cost';
import { COST_DOC, costDoc, readDoc, RESOURCES_DOC, resourcesDoc } from './docs';
import { PROFILES } from './profiles';
import { readSettings } from './settings';
import { EVERY_OPTION_CONTEXT, synthesizeGen3D } from './synth';
import { workspaceRoot } from './workspace';

/**
 * `npm run inventory` (docs/resources.md) and `npm run cost` (docs/cost.md's generated section, and the table on
 * stdout), from the templates synthesized in this process. `--check` only compares and exits 1 when stale.
 * `image` prints the build file and tag prefix of the image the deployment's profile runs (GEN3D_PROFILE), the
 * arguments of ecr-push.sh for a push by hand (a first deployment, docs/deploy.md); CI's images workflow pushes every
 * profile's image and the inference deploy waits for it (image-wait-cli.ts).
 */
async function main(): Promise<void> {
  const [command, flag] = process.argv.slice(2);
  if (command === 'image') {
    const profile = PROFILES[readSettings(() => undefined, process.env).profile];
    console.log(`${profile.dockerfile} ${profile.tagPrefix}`);
    return;
  }
  const root = workspaceRoot();
  const production = synthesizeGen3D({}, {}).templates;
  const write = async (path: string, text: string) => {
    const file = join(root, path);
    const formatted = await format(text, { ...(await resolveConfig(file)), filepath: file });
    if (flag === '--check') {
      if (formatted !== readDoc(root, path)) {
        console.error(`${path} is stale: run npm run ${command}`);
        process.exitCode = 1;
      }
      return;
    }
    writeFileSync(file, formatted);
    console.error(`wrote ${path}`);
  };
  if (command === 'inventory') {
    const everyOption = synthesizeGen3D(EVERY_OPTION_CONTEXT, {}).templates;
    await write(RESOURCES_DOC, resourcesDoc(production, everyOption));
  } else if (command === 'cost') {
    console.log(renderCost(production));
    await write(COST_DOC, costDoc(readDoc(root, COST_DOC), production));
  } else {
    throw new Error('usage: docs-cli.js inventory|cost [--check] | image');
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
