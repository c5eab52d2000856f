import {
  canRetry,
  isOwnJob,
  promptsOfUsed,
  retryNote,
  retryRequestOf,
  shapeChoiceOf,
  usedOptionsOf,
} from './retry';
import { NO_PROMPTS } from './prompts';

describe('Try again', () => {
  it('remembers the prompts and the shape an upload asked for, nothing else of it', () => {
    expect(
      usedOptionsOf({
        points: [{ x: 1, y: 2, label: 0 }],
        box: { x0: 1, y0: 1, x1: 9, y1: 9 },
        shape: 'revolve',
        ...{ fileName: 'a.png', email: 'a@example.com', formats: ['ply'] },
      }),
    ).toEqual({ points: [{ x: 1, y: 2, label: 0 }], box: { x0: 1, y0: 1, x1: 9, y1: 9 }, shape: 'revolve' });
    expect(usedOptionsOf({})).toEqual({});
  });

  it('fills the picker with the marks a job used: a lone point is a point on the object', () => {
    expect(promptsOfUsed({ point: { x: 5, y: 6 } })).toEqual({ points: [{ x: 5, y: 6, label: 1 }] });
    expect(
      promptsOfUsed({ points: [{ x: 1, y: 2, label: 0 }], box: { x0: 1, y0: 1, x1: 9, y1: 9 } }),
    ).toEqual({ points: [{ x: 1, y: 2, label: 0 }], box: { x0: 1, y0: 1, x1: 9, y1: 9 } });
    expect(promptsOfUsed(undefined)).toEqual(NO_PROMPTS);
    expect(promptsOfUsed({ shape: 'slab' })).toEqual(NO_PROMPTS);
  });

  it('checks the shape the job used, else Automatic', () => {
    expect(shapeChoiceOf({ shape: 'slab' })).toBe('slab');
    expect(shapeChoiceOf({})).toBe('auto');
    expect(shapeChoiceOf(undefined)).toBe('auto');
  });

  it('sends the marks and the shape as an upload does; Automatic and no marks send nothing', () => {
    expect(retryRequestOf({ points: [{ x: 5, y: 6, label: 1 }] }, 'inflate')).toEqual({
      point: { x: 5, y: 6 },
      shape: 'inflate',
    });
    expect(
      retryRequestOf({ points: [{ x: 1, y: 2, label: 0 }], box: { x0: 1, y0: 1, x1: 9, y1: 9 } }, 'auto'),
    ).toEqual({ points: [{ x: 1, y: 2, label: 0 }], box: { x0: 1, y0: 1, x1: 9, y1: 9 } });
    expect(retryRequestOf(NO_PROMPTS, undefined)).toEqual({});
  });

  it('round-trips: what a job used, unchanged, asks for the same again', () => {
    const used = usedOptionsOf({ point: { x: 5, y: 6 }, shape: 'slab' });
    expect(retryRequestOf(promptsOfUsed(used), shapeChoiceOf(used))).toEqual(used);
  });

  it('offers a retry once the job is over, done or failed', () => {
    expect(canRetry({ state: 'done' })).toBe(true);
    expect(canRetry({ state: 'failed' })).toBe(true);
    expect(canRetry({ state: 'reconstructing' })).toBe(false);
    expect(canRetry({ state: 'queued' })).toBe(false);
  });

  it('says what the panel filled in and what stands in for the picture', () => {
    expect(retryNote({ shape: 'slab' }, 'photo')).toMatch(
      /^The marks and the shape this job used are filled in/,
    );
    expect(retryNote(undefined, 'mask')).toMatch(/does not know the marks.*its mask stands in for it\.$/);
    expect(retryNote(undefined, 'none')).toMatch(/only the shape can be changed\.$/);
  });

  it("offers retry and delete for the session's own jobs, not for a job read through another's email link", () => {
    expect(isOwnJob(undefined, undefined)).toBe(true); // read with the session: its own
    expect(isOwnJob('acc.sig', { used: {} })).toBe(true); // uploaded here, later opened from its email
    expect(isOwnJob('acc.sig', {})).toBe(false); // only opened from an email link here
    expect(isOwnJob('acc.sig', undefined)).toBe(false);
  });
});
