import type { ImageLink } from './api-client';
import { hasImage, ImageLinks, linkIsFresh, LINK_MARGIN_MS, thumbnailAlt } from './thumbnails';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const linkAt = (url: string, expiresInMs: number): ImageLink => ({
  url,
  expiresAt: new Date(T0 + expiresInMs).toISOString(),
});

describe('thumbnails', () => {
  it('knows which pictures a job made, none while it runs', () => {
    expect(hasImage({ images: ['thumbnail', 'mask'] }, 'thumbnail')).toBe(true);
    expect(hasImage({ images: ['mask'] }, 'thumbnail')).toBe(false);
    expect(hasImage({}, 'mask')).toBe(false);
  });

  it("describes the thumbnail by the picture's name", () => {
    expect(thumbnailAlt('ball two.png')).toBe('The 3D model made from ball two.png');
  });

  it('hands a link out only while it outlives the margin', () => {
    expect(linkIsFresh(linkAt('u', LINK_MARGIN_MS + 1), T0)).toBe(true);
    expect(linkIsFresh(linkAt('u', LINK_MARGIN_MS), T0)).toBe(false);
    expect(linkIsFresh({ expiresAt: 'soon' }, T0)).toBe(false);
  });
});

describe('ImageLinks', () => {
  function scripted(answers: (ImageLink | Error)[]) {
    const asked: string[] = [];
    const api = {
      imageLink: async (jobId: string, kind: string, access?: string) => {
        asked.push(`${jobId} ${kind}${access ? ` ${access}` : ''}`);
        const answer = answers.shift();
        if (!answer || answer instanceof Error) throw answer ?? new Error('no more answers');
        return answer;
      },
    };
    return { api, asked };
  }

  it('asks once per job and kind while the link lives, and again once it is about to expire', async () => {
    let now = T0;
    const { api, asked } = scripted([
      linkAt('one', 15 * 60_000),
      linkAt('mask', 900_000),
      linkAt('two', 900_000),
    ]);
    const links = new ImageLinks(api, () => now);
    const [a, b] = await Promise.all([links.url('job1', 'thumbnail'), links.url('job1', 'thumbnail')]);
    expect([a, b]).toEqual(['one', 'one']);
    expect(await links.url('job1', 'mask', 'acc.sig')).toBe('mask');
    now = T0 + 14 * 60_000 + 1; // under a minute left
    expect(await links.url('job1', 'thumbnail')).toBe('two');
    expect(asked).toEqual(['job1 thumbnail', 'job1 mask acc.sig', 'job1 thumbnail']);
  });

  it('does not keep a refusal, and forgets a deleted job', async () => {
    const { api, asked } = scripted([new Error('503'), linkAt('one', 900_000), linkAt('two', 900_000)]);
    const links = new ImageLinks(api, () => T0);
    await expect(links.url('job1', 'thumbnail')).rejects.toThrow('503');
    expect(await links.url('job1', 'thumbnail')).toBe('one');
    links.forget('job1');
    expect(await links.url('job1', 'thumbnail')).toBe('two');
    expect(asked).toHaveLength(3);
  });
});
