import { ApiRequestError } from './api-client';
import type { Watched } from './job-follower';
import { confirmedNote, followLink, watchedForJobLink, type LinkDeps } from './links';

const recent = [
  { name: 'ball-1', fileName: 'ball.png', jobId: '3f2a9c1d0b7e4a55', startedAt: '2026-01-01T10:00:00.000Z' },
];

function deps(confirm: LinkDeps['api']['confirm'] = async () => ({ confirmed: true })) {
  const said: string[] = [];
  const watched: Watched[] = [];
  const tokens: string[] = [];
  /** The Confirm button's presses: the confirmation waiting for one, if any. */
  const button: { press?: () => Promise<void> } = {};
  const value: LinkDeps = {
    api: { confirm: (token) => (tokens.push(token), confirm(token)) },
    recent: () => recent,
    watch: (target) => watched.push(target),
    note: (text) => said.push(`note ${text}`),
    problem: (text) => said.push(`problem ${text}`),
    clearLink: () => said.push('cleared'),
    askToConfirm: (confirm) => {
      said.push('asked');
      button.press = confirm;
    },
  };
  return { value, said, watched, tokens, button };
}

describe("the page's links", () => {
  it('follows a job link with what this browser knows of the job', () => {
    expect(watchedForJobLink({ jobId: '3f2a9c1d0b7e4a55', access: 'acc.sig' }, recent)).toEqual({
      jobId: '3f2a9c1d0b7e4a55',
      access: 'acc.sig',
      name: 'ball-1',
      fileName: 'ball.png',
      startedAt: Date.parse('2026-01-01T10:00:00.000Z'),
    });
    expect(watchedForJobLink({ jobId: '0000000000000000' }, recent)).toEqual({ jobId: '0000000000000000' });
  });

  it('watches the job of a #job= link and leaves the address bar as it is', async () => {
    const d = deps();
    await followLink('#job=3f2a9c1d0b7e4a55&access=acc.sig', d.value);
    expect(d.watched.map((w) => [w.jobId, w.access, w.fileName])).toEqual([
      ['3f2a9c1d0b7e4a55', 'acc.sig', 'ball.png'],
    ]);
    expect(d.said).toEqual([]);
  });

  it('opening a confirmation link sends nothing: it asks, as a mail scanner running the page must not confirm', async () => {
    const d = deps();
    await followLink('#confirm=tok.sig', d.value);
    expect(d.tokens).toEqual([]);
    expect(d.said).toEqual(['asked']);
  });

  it('confirms once Confirm is pressed, says how many waiting results went out, and clears the link', async () => {
    const d = deps(async () => ({ confirmed: true, results: { emailed: 2, waiting: 0 } }));
    await followLink('#confirm=tok.sig', d.value);
    await d.button.press?.();
    expect(d.tokens).toEqual(['tok.sig']);
    expect(d.said).toEqual(['asked', `note ${confirmedNote(2)}`, 'cleared']);
    expect(d.watched).toEqual([]);
  });

  it('says why a confirmation failed, and clears the link all the same', async () => {
    const d = deps(() => Promise.reject(new ApiRequestError(401, 'bad-token', 'bad')));
    await followLink('#confirm=tok.sig', d.value);
    await d.button.press?.();
    expect(d.said).toEqual(['asked', 'problem This link or session is not valid.', 'cleared']);
  });

  it('does nothing for the home page or a malformed job id', async () => {
    const d = deps();
    await followLink('', d.value);
    await followLink('#job=../../etc', d.value);
    expect([d.said, d.watched, d.tokens]).toEqual([[], [], []]);
  });

  it('thanks the user in words that fit the number of results emailed', () => {
    expect(confirmedNote(0)).toBe(
      'Thank you: your address is confirmed for the browser that asked. Results of its pictures will be emailed to you.',
    );
    expect(confirmedNote(1)).toMatch(/ The result that waited for it was emailed just now\.$/);
    expect(confirmedNote(3)).toMatch(/ The 3 results that waited for it were emailed just now\.$/);
  });
});
