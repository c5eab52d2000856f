import { ECRClient } from '@aws-sdk/client-ecr';
import { setTimeout as sleep } from 'node:timers/promises';
import { ecrRegistry, imageWaitMinutes, waitForImage } from './image-wait';
import { namesFor } from './names';
import { PROFILES } from './profiles';
import { SEED } from './seed';
import { readSettings, SettingsError } from './settings';

const POLL_MS = 30_000;
const REPORT_EVERY_MS = 5 * 60_000;

/**
 * `node dist/apps/infra/image-wait-cli.js`, the inference deploy's first step (deploy-inference): with the
 * deployment's GEN3D_* settings (GEN3D_IMAGE_TAG from image-tag.sh), waits until the image repository holds the
 * profile's image at that tag, which the images workflow pushes, for at most the profile's `imageWaitMinutes`
 * (GEN3D_IMAGE_WAIT_MINUTES overrides it). Exit 1 when it does not come (the message says where to look), 2 when the
 * settings are malformed.
 */
async function main(): Promise<void> {
  const settings = readSettings(() => undefined, process.env);
  const profile = PROFILES[settings.profile];
  const image = { repository: namesFor(settings).ecrRepository, tag: settings.imageTag, profile };
  const minutes = imageWaitMinutes(profile, process.env);
  const limitMs = minutes * 60_000;
  let reported = -REPORT_EVERY_MS;
  const waited = await waitForImage(
    ecrRegistry(new ECRClient({ region: process.env['AWS_REGION'] ?? SEED.region })),
    image,
    {
      limitMs,
      pollMs: POLL_MS,
      clock: { now: () => Date.now(), sleep: (ms) => sleep(ms) },
      onWaiting: (ms) => {
        if (ms - reported < REPORT_EVERY_MS) return;
        reported = ms;
        console.log(
          `image-wait: ${image.repository}:${image.tag} is not pushed yet (the images workflow builds it); ` +
            `waited ${Math.round(ms / 60_000)} of ${minutes} minutes`,
        );
      },
    },
  );
  console.log(
    `image-wait: ${image.repository}:${image.tag} is in ECR (waited ${Math.round(waited / 1000)} s)`,
  );
}

main().catch((error: unknown) => {
  console.error(`image-wait: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = error instanceof SettingsError ? 2 : 1;
});
