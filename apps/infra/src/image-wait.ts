import {
  DescribeImagesCommand,
  ImageNotFoundException,
  RepositoryNotFoundException,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import type { DeploymentProfile } from './profiles';

/** The one question the inference deploy asks of the image repository. */
export interface ImageRegistry {
  /** Whether `repository` holds an image tagged `tag`. */
  hasImage(repository: string, tag: string): Promise<boolean>;
}

/** Time, as the wait sees it: a real clock in the CLI, a stepped one in tests. */
export interface WaitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** An image the inference stack will run: its repository and its tag (`<profile prefix><image-tag.sh>`). */
export interface AwaitedImage {
  readonly repository: string;
  readonly tag: string;
  readonly profile: DeploymentProfile;
}

export interface WaitOptions {
  /** How long to wait in all: the profile's `imageWaitMinutes`. */
  readonly limitMs: number;
  /** Between two looks at the repository. */
  readonly pollMs: number;
  readonly clock: WaitClock;
  /** Told after each look that found nothing, with the time waited so far. */
  readonly onWaiting?: (waitedMs: number) => void;
}

export class ImageWaitError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ImageWaitError';
  }
}

/** The image did not appear within the limit: the deploy stops before CloudFormation would fail on it. */
export class ImageNotPushedError extends ImageWaitError {
  constructor(
    readonly image: AwaitedImage,
    readonly waitedMs: number,
  ) {
    const { repository, tag, profile } = image;
    super(
      `${repository}:${tag} (the ${profile.name} profile's image, ${profile.dockerfile}) is not in ECR after ` +
        `${Math.round(waitedMs / 60_000)} minutes of waiting` +
        (waitedMs === 0
          ? ' (GEN3D_IMAGE_WAIT_MINUTES=0, as in a pull request: nothing builds its images)'
          : '') +
        '. The images workflow (.github/workflows/images.yml) ' +
        'builds and pushes it on the push to main that changed what the images are built from ' +
        '(apps/inference-server/image-tag.sh names that commit): see that run in Actions → images, re-run its ' +
        'failed jobs, and once the image is pushed re-run this deploy. By hand, with Docker: ' +
        `bash apps/inference-server/ecr-push.sh ${profile.dockerfile} ${profile.tagPrefix}`,
    );
    this.name = 'ImageNotPushedError';
  }
}

/** The most a deploy may wait: the deploy workflow's job must outlast it (deploy.yml's timeout-minutes). */
export const MAX_IMAGE_WAIT_MINUTES = 270;

/**
 * How long the deploy waits for the image, in minutes: GEN3D_IMAGE_WAIT_MINUTES when set (0 to fail at once where
 * nothing builds the image, as in a pull request's sandbox deploy), else the profile's `imageWaitMinutes`.
 *
 * @example imageWaitMinutes(PROFILES.cpu, {}) // 45
 */
export function imageWaitMinutes(
  profile: DeploymentProfile,
  env: Record<string, string | undefined>,
): number {
  const value = env['GEN3D_IMAGE_WAIT_MINUTES'];
  if (value === undefined || value === '') return profile.imageWaitMinutes;
  const minutes = Number(value);
  if (!/^\d+$/.test(value) || minutes > MAX_IMAGE_WAIT_MINUTES)
    throw new ImageWaitError(
      `GEN3D_IMAGE_WAIT_MINUTES must be a whole number of minutes from 0 to ${MAX_IMAGE_WAIT_MINUTES}, not ${value}`,
    );
  return minutes;
}

/**
 * Waits until the registry holds the image, looking every `pollMs`, for at most `limitMs`; returns the time waited.
 * The deploy builds no image: the images workflow pushes every profile's image for the commit's tag, and this is
 * the one place the two workflows meet.
 *
 * @example await waitForImage(ecrRegistry(new ECRClient({})), image, { limitMs: 3_600_000, pollMs: 30_000, clock })
 */
export async function waitForImage(
  registry: ImageRegistry,
  image: AwaitedImage,
  options: WaitOptions,
): Promise<number> {
  const { clock, limitMs, pollMs } = options;
  const start = clock.now();
  for (;;) {
    if (await registry.hasImage(image.repository, image.tag)) return clock.now() - start;
    const waited = clock.now() - start;
    if (waited >= limitMs) throw new ImageNotPushedError(image, waited);
    options.onWaiting?.(waited);
    await clock.sleep(Math.min(pollMs, limitMs - waited));
  }
}

/**
 * The registry in ECR: DescribeImages of the one tag. A missing image is an answer (not yet); a missing repository
 * is not one to wait for (the storage stack makes it, and deploys first), so it stops the wait at once.
 */
export function ecrRegistry(client: ECRClient): ImageRegistry {
  return {
    async hasImage(repository, tag) {
      try {
        const found = await client.send(
          new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }),
        );
        return (found.imageDetails ?? []).length > 0;
      } catch (error) {
        if (error instanceof ImageNotFoundException) return false;
        if (error instanceof RepositoryNotFoundException)
          throw new ImageWaitError(
            `the image repository ${repository} does not exist: deploy Gen3DStorageStack first (docs/deploy.md)`,
            { cause: error },
          );
        throw error;
      }
    },
  };
}
