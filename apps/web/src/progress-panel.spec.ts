import { jobTitle } from './progress-panel';

describe('the progress panel', () => {
  it("names the job by the file this browser uploaded, else by what the link or the job's view says", () => {
    expect(jobTitle({ name: 'ball-1', fileName: 'ball.png' })).toBe('ball.png');
    expect(jobTitle({ name: 'ball-1' })).toBe('ball-1');
    expect(jobTitle({ jobId: '3f2a9c1d0b7e4a55' })).toBe('');
    expect(jobTitle({ jobId: '3f2a9c1d0b7e4a55' }, { name: 'ball-1' })).toBe('ball-1');
    expect(jobTitle({ fileName: 'ball.png' }, { name: 'ball-1' })).toBe('ball.png');
  });
});
