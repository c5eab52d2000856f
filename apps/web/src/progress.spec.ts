import {
  apiProblem,
  failureText,
  formatElapsed,
  methodLabel,
  statusLine,
  stepMarks,
  stepOf,
} from './progress';

describe('progress words', () => {
  it('names the pipeline states as the user sees them', () => {
    expect(['queued', 'reconstructing', 'done', 'failed'].map((s) => stepOf(s as never))).toEqual([
      'queued',
      'reconstructing',
      'done',
      'failed',
    ]);
    expect(stepOf(undefined)).toBe('queued');
  });

  it('formats elapsed time', () => {
    expect(formatElapsed(0)).toBe('0.0 s');
    expect(formatElapsed(2_345)).toBe('2.3 s');
    expect(formatElapsed(12_999)).toBe('12 s');
    expect(formatElapsed(83_000)).toBe('1 min 23 s');
  });

  it('names the method honestly', () => {
    expect(methodLabel('inflate', 'silhouette inflation (geometric, no learned model)')).toBe(
      'Silhouette inflation (geometric, no learned model)',
    );
    expect(methodLabel('sam3d', 'SAM 3D Objects, seed 7')).toBe('SAM 3D Objects, seed 7');
    expect(
      methodLabel('inflate', 'surface of revolution from the silhouette (geometric, no learned model)'),
    ).toBe('Surface of revolution from the silhouette (geometric, no learned model)');
    expect(methodLabel('inflate', undefined)).toBe('Geometric');
    expect(methodLabel('sam3d', undefined)).toBe('SAM 3D');
    expect(methodLabel(undefined, undefined)).toBe('unknown');
  });

  it('turns refusals into plain words', () => {
    expect(apiProblem(404, 'no-such-job', 'There is no such job.')).toMatch(/belongs to someone else/);
    expect(apiProblem(429, 'too-many-jobs', 'You already have 3 pictures in progress.')).toMatch(
      /3 pictures/,
    );
    expect(apiProblem(0, 'unreachable', 'x')).toMatch(/not reachable/);
    expect(apiProblem(503, 'results-not-sent', 'Your address is confirmed, but …')).toMatch(/is confirmed/);
    expect(apiProblem(503, 'busy', 'x')).toMatch(/not reachable/);
  });

  it('marks the steps done before the current one, the current one, and where a job failed', () => {
    const marked = (marks: ReturnType<typeof stepMarks>) =>
      Object.entries(marks).map(
        ([step, m]) =>
          `${step}:${[m.at && 'at', m.complete && 'complete', m.current && 'current', m.failed && 'failed']
            .filter(Boolean)
            .join('+')}`,
      );
    // Each step as `name:marks`, the four steps in order; a job that failed before the worker started stops at
    // queued, else at reconstructing.
    const expected: [Parameters<typeof stepMarks>[0], boolean, string][] = [
      ['queued', false, 'uploading:complete queued:at+current reconstructing: done:'],
      ['done', true, 'uploading:complete queued:complete reconstructing:complete done:at+complete'],
      ['failed', false, 'uploading:complete queued:at+current+failed reconstructing: done:'],
      ['failed', true, 'uploading:complete queued:complete reconstructing:at+current+failed done:'],
    ];
    for (const [state, started, steps] of expected) {
      expect(marked(stepMarks(state, started)).join(' ')).toBe(steps);
    }
  });

  it("times a job from this browser's upload, else from the pipeline's queue, until it finishes", () => {
    const queuedAt = '2026-01-01T00:00:00.000Z';
    const t0 = Date.parse(queuedAt);
    expect(statusLine(undefined, undefined, t0)).toEqual({
      label: 'Uploaded, waiting for the pipeline',
      elapsed: '',
    });
    expect(statusLine(undefined, t0, t0 + 2_500)).toEqual({
      label: 'Uploaded, waiting for the pipeline',
      elapsed: ' · 2.5 s',
    });
    const running = { state: 'reconstructing' as const, queuedAt };
    expect(statusLine(running, undefined, t0 + 83_000)).toEqual({
      label: 'Reconstructing',
      elapsed: ' · 1 min 23 s',
    });
    expect(statusLine(running, t0 - 1_000, t0 + 4_000).elapsed).toBe(' · 5.0 s');
    const done = { state: 'done' as const, queuedAt, finishedAt: '2026-01-01T00:00:12.000Z' };
    expect(statusLine(done, undefined, t0 + 3_600_000)).toEqual({ label: 'Done', elapsed: ' · 12 s' });
  });

  it("says why a job failed with the pipeline's code, or that it failed", () => {
    expect(failureText({ code: 'no-object', reason: 'No object was found.' })).toBe(
      'No object was found. (no-object)',
    );
    expect(failureText(undefined)).toBe('The job failed.');
  });
});
