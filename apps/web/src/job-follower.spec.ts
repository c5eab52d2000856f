import { ApiRequestError, type JobView } from './api-client';
import {
  EMAIL_POLLS,
  JobFollower,
  POLL_MS,
  type JobFollowerEvents,
  type JobSource,
  type Watched,
} from './job-follower';

const QUEUED_AT = '2026-01-01T00:00:00.000Z';
const T0 = Date.parse(QUEUED_AT);

const view = (state: JobView['state'], more: Partial<JobView> = {}): JobView => ({
  jobId: 'job00001',
  name: 'ball-1',
  state,
  queuedAt: QUEUED_AT,
  updatedAt: QUEUED_AT,
  ...more,
});

/** The API as a script: each poll of the job takes the next answer (the last one repeats). */
function scriptedApi(answers: (JobView | Error)[], foundAfter = 0) {
  const calls: string[] = [];
  let lookups = 0;
  const api: JobSource = {
    findJobByName: async (name) => {
      calls.push(`find ${name}`);
      lookups += 1;
      return lookups > foundAfter ? view('queued') : undefined;
    },
    job: async (jobId, access) => {
      calls.push(`job ${jobId}${access ? ` ${access}` : ''}`);
      const answer = answers.length > 1 ? answers.shift() : answers[0];
      if (answer instanceof Error) throw answer;
      return answer as JobView;
    },
  };
  return { api, calls };
}

/** Records what the follower tells the page, one line each. */
function recorder() {
  const seen: string[] = [];
  const done: (() => boolean)[] = [];
  const events: JobFollowerEvents = {
    started: (target) => seen.push(`started ${target.fileName ?? target.jobId}`),
    found: (jobId) => seen.push(`found ${jobId}`),
    polled: (job, previous) => seen.push(`polled ${job.state}${previous ? ` after ${previous.state}` : ''}`),
    status: (label, elapsed) => seen.push(`status ${label}${elapsed}`),
    failed: (job) => seen.push(`failed ${job.error?.code}`),
    done: (job, _target, stillCurrent) => {
      seen.push(`done ${job.jobId}`);
      done.push(stillCurrent);
    },
    lost: (problem) => seen.push(`lost ${problem}`),
  };
  return { seen, done, events };
}

describe('JobFollower', () => {
  let now: number;
  beforeEach(() => {
    jest.useFakeTimers();
    now = T0;
  });
  afterEach(() => jest.useRealTimers());

  /** Moves the clock (the follower's and the timers') on. */
  const advance = async (ms: number): Promise<void> => {
    now += ms;
    await jest.advanceTimersByTimeAsync(ms);
  };

  it('finds an upload by its name, follows it to done and stops once its email is known', async () => {
    const { api, calls } = scriptedApi(
      [
        view('queued'),
        view('reconstructing', { startedAt: QUEUED_AT }),
        view('done'),
        view('done', { email: 'sent' }),
      ],
      1,
    );
    const { seen, events } = recorder();
    const follower = new JobFollower(api, events, () => now);
    follower.watch({ name: 'ball-1', fileName: 'ball.png', startedAt: T0 });
    await advance(0);
    expect(seen).toEqual(['started ball.png', 'status Looking up the job…']);
    await advance(POLL_MS);
    expect(seen.slice(2)).toEqual([
      'status Uploaded, waiting for the pipeline · 1.0 s', // the tick
      'found job00001',
      'polled queued',
      'status Queued · 1.0 s',
    ]);
    await advance(POLL_MS * 10);
    expect(seen.filter((line) => line.startsWith('polled') || line.startsWith('done'))).toEqual([
      'polled queued',
      'polled reconstructing after queued',
      'polled done after reconstructing',
      'done job00001',
      'polled done after done', // once more: the email state was not known yet
    ]);
    expect(calls).toEqual([
      'find ball-1',
      'find ball-1',
      'job job00001',
      'job job00001',
      'job job00001',
      'job job00001',
    ]);
    // Done, its email known: nothing polls or ticks any more.
    const before = seen.length;
    await advance(POLL_MS * 5);
    expect(seen).toHaveLength(before);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("looks for a done job's email state for about a minute, and not at all for an email link", async () => {
    const { api, calls } = scriptedApi([view('done')]);
    const follower = new JobFollower(api, recorder().events, () => now);
    follower.watch({ jobId: 'job00001' });
    await advance(POLL_MS * (EMAIL_POLLS + 10));
    expect(calls).toHaveLength(EMAIL_POLLS + 1);

    const linked = scriptedApi([view('done')]);
    new JobFollower(linked.api, recorder().events, () => now).watch({ jobId: 'job00001', access: 'acc.sig' });
    await advance(POLL_MS * 5);
    expect(linked.calls).toEqual(['job job00001 acc.sig']);
  });

  it('says why a job failed and stops following it', async () => {
    const error = { code: 'no-object', reason: 'No object was found.' };
    const { api, calls } = scriptedApi([view('failed', { error, finishedAt: '2026-01-01T00:00:03.000Z' })]);
    const { seen, events } = recorder();
    new JobFollower(api, events, () => now).watch({ jobId: 'job00001' });
    await advance(POLL_MS * 5);
    expect(seen).toEqual([
      'started job00001',
      'status Looking up the job…',
      'polled failed',
      'status Failed · 3.0 s',
      'failed no-object',
    ]);
    expect(calls).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("stops at a job that does not exist or is not this browser's, and retries when the service is down", async () => {
    const { api, calls } = scriptedApi([
      new ApiRequestError(503, 'busy', 'busy'),
      new ApiRequestError(404, 'no-such-job', 'There is no such job.'),
    ]);
    const { seen, events } = recorder();
    new JobFollower(api, events, () => now).watch({ jobId: 'job00001' });
    await advance(0);
    expect(seen.at(-1)).toBe(
      'status The service is not reachable right now. Please try again shortly. Retrying…',
    );
    await advance(POLL_MS);
    expect(seen.at(-1)).toBe('lost This job does not exist, or it belongs to someone else.');
    await advance(POLL_MS * 5);
    expect(calls).toHaveLength(2);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('drops the old job when another is followed: its late answer is ignored', async () => {
    let answerOld: (job: JobView) => void = () => undefined;
    const api: JobSource = {
      findJobByName: async () => undefined,
      job: (jobId) =>
        jobId === 'job00001'
          ? new Promise((resolve) => (answerOld = resolve))
          : Promise.resolve(view('reconstructing', { jobId })),
    };
    const { seen, events } = recorder();
    const follower = new JobFollower(api, events, () => now);
    follower.watch({ jobId: 'job00001' });
    follower.watch({ jobId: 'job00002' });
    await advance(0);
    answerOld(view('done'));
    await advance(0);
    expect(seen.filter((line) => line.startsWith('polled') || line.startsWith('done'))).toEqual([
      'polled reconstructing',
    ]);
    expect(follower.current().job?.jobId).toBe('job00002');
  });

  it("tells the result it is stale once another job is followed, and names the followed job's access", async () => {
    const { api } = scriptedApi([view('done', { email: 'sent' })]);
    const { done, events } = recorder();
    const follower = new JobFollower(api, events, () => now);
    const target: Watched = { jobId: 'job00001', access: 'acc.sig' };
    follower.watch(target);
    await advance(0);
    expect(follower.current()).toEqual({ job: view('done', { email: 'sent' }), access: 'acc.sig' });
    expect(done[0]?.()).toBe(true);
    follower.watch({ jobId: 'job00002' });
    expect(done[0]?.()).toBe(false);
    expect(follower.current()).toEqual({});
  });

  it('follows nothing once stopped (a deleted job): a late answer is ignored and no timer is left', async () => {
    let answer: (job: JobView) => void = () => undefined;
    const api: JobSource = {
      findJobByName: async () => undefined,
      job: () => new Promise((resolve) => (answer = resolve)),
    };
    const { seen, done, events } = recorder();
    const follower = new JobFollower(api, events, () => now);
    follower.watch({ jobId: 'job00001' });
    await advance(0);
    follower.stop();
    answer(view('done'));
    await advance(POLL_MS * 3);
    expect(seen).toEqual(['started job00001', 'status Looking up the job…']);
    expect(done).toEqual([]);
    expect(follower.current()).toEqual({});
    expect(jest.getTimerCount()).toBe(0);
  });
});
