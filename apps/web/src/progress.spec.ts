import { apiProblem, formatElapsed, methodLabel, stepOf } from './progress';

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
});
