import {
  ImageNotPushedError,
  ImageWaitError,
  imageWaitMinutes,
  MAX_IMAGE_WAIT_MINUTES,
  waitForImage,
  type ImageRegistry,
  type WaitClock,
} from './image-wait';
import { PROFILES } from './profiles';

/** A clock that only moves when the wait sleeps. */
function steppedClock(): WaitClock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

/** A registry whose image appears once `clock` reaches `pushedAt` (never when undefined); it counts the looks. */
function registryPushingAt(clock: WaitClock, pushedAt: number | undefined) {
  const looks: string[] = [];
  const registry: ImageRegistry = {
    hasImage: async (repository, tag) => {
      looks.push(`${repository}:${tag}`);
      return pushedAt !== undefined && clock.now() >= pushedAt;
    },
  };
  return { registry, looks };
}

const image = { repository: 'gen3d-sam3d-inference', tag: 'sam3d-0123456789ab', profile: PROFILES.sam3d };
const MINUTE = 60_000;

describe('waiting for the profile’s image', () => {
  it('deploys at once when the images workflow has already pushed it', async () => {
    const clock = steppedClock();
    const { registry, looks } = registryPushingAt(clock, 0);
    await expect(
      waitForImage(registry, image, { limitMs: 60 * MINUTE, pollMs: MINUTE / 2, clock }),
    ).resolves.toBe(0);
    expect(looks).toEqual(['gen3d-sam3d-inference:sam3d-0123456789ab']);
  });

  it('looks again every poll until the image is there, and says how long it waited', async () => {
    const clock = steppedClock();
    const { registry, looks } = registryPushingAt(clock, 95 * MINUTE);
    const told: number[] = [];
    const waited = await waitForImage(registry, image, {
      limitMs: 240 * MINUTE,
      pollMs: 5 * MINUTE,
      clock,
      onWaiting: (ms) => told.push(ms),
    });
    expect(waited).toBe(95 * MINUTE);
    expect(looks).toHaveLength(20);
    expect(told).toHaveLength(19);
  });

  it('stops at the limit, not a poll later, with an error that says where the image comes from', async () => {
    const clock = steppedClock();
    const { registry } = registryPushingAt(clock, undefined);
    const waiting = waitForImage(registry, image, { limitMs: 10 * MINUTE, pollMs: 4 * MINUTE, clock });
    await expect(waiting).rejects.toThrow(ImageNotPushedError);
    expect(clock.slept).toEqual([4 * MINUTE, 4 * MINUTE, 2 * MINUTE]);
    const error = (await waiting.catch((e: unknown) => e)) as ImageNotPushedError;
    expect(error.waitedMs).toBe(10 * MINUTE);
    expect(error.message).toContain('gen3d-sam3d-inference:sam3d-0123456789ab');
    expect(error.message).toContain('after 10 minutes');
    expect(error.message).toContain('.github/workflows/images.yml');
    expect(error.message).toContain('bash apps/inference-server/ecr-push.sh Dockerfile.sam3d sam3d-');
  });

  it('names the seed image’s push with its prefix, gpu-', () => {
    const error = new ImageNotPushedError(
      { ...image, tag: 'gpu-0123456789ab', profile: PROFILES.seed },
      MINUTE,
    );
    expect(error.message).toMatch(/ecr-push\.sh Dockerfile gpu-$/);
  });

  it('waits the profile’s time unless GEN3D_IMAGE_WAIT_MINUTES says otherwise, within what the deploy job allows', () => {
    expect(imageWaitMinutes(PROFILES.sam3d, {})).toBe(240);
    expect(imageWaitMinutes(PROFILES.cpu, { GEN3D_IMAGE_WAIT_MINUTES: '' })).toBe(45);
    expect(imageWaitMinutes(PROFILES.seed, { GEN3D_IMAGE_WAIT_MINUTES: '0' })).toBe(0);
    for (const bad of ['-1', '1.5', 'soon', String(MAX_IMAGE_WAIT_MINUTES + 1)])
      expect(() => imageWaitMinutes(PROFILES.seed, { GEN3D_IMAGE_WAIT_MINUTES: bad })).toThrow(
        ImageWaitError,
      );
    for (const profile of Object.values(PROFILES))
      expect(profile.imageWaitMinutes).toBeLessThanOrEqual(MAX_IMAGE_WAIT_MINUTES);
  });

  it('fails at once with a limit of 0, after one look', async () => {
    const clock = steppedClock();
    const { registry, looks } = registryPushingAt(clock, undefined);
    await expect(waitForImage(registry, image, { limitMs: 0, pollMs: MINUTE, clock })).rejects.toThrow(
      ImageNotPushedError,
    );
    expect({ looks: looks.length, slept: clock.slept }).toEqual({ looks: 1, slept: [] });
    await expect(waitForImage(registry, image, { limitMs: 0, pollMs: MINUTE, clock })).rejects.toThrow(
      /after 0 minutes of waiting \(GEN3D_IMAGE_WAIT_MINUTES=0, as in a pull request: nothing builds its images\)\./,
    );
  });
});
