/**
 * Following one job: polls the API until the job is final (and a little longer for its email state), ticks the
 * elapsed time, and tells the page's parts what changed. The page's parts draw; this decides when. Following a
 * new job drops the old one: a late answer about the old job is ignored.
 */
import { toApiRequestError, type ApiClient, type JobView } from './api-client';
import { apiProblem, isFinal, statusLine, stepOf } from './progress';

/** What the job panel follows: an upload of this browser (by name until its id is known) or a linked job. */
export interface Watched {
  readonly name?: string;
  jobId?: string;
  /** The access token of an email link (no session of this browser owns the job). */
  readonly access?: string;
  /** When this browser uploaded it (ms), for the elapsed time. */
  readonly startedAt?: number;
  readonly fileName?: string;
  /** Polls of a done job for its email state. */
  emailPolls?: number;
}

export const POLL_MS = 1000;
export const TICK_MS = 1000;
/** How many times a done job is polled again for its email state (about a minute, at {@link POLL_MS}). */
export const EMAIL_POLLS = 30;

/** What the follower tells the page. */
export interface JobFollowerEvents {
  /** A new job is followed: what showed the last one starts afresh. */
  started(target: Watched): void;
  /** The job id of an upload became known. */
  found(jobId: string): void;
  /** The job as the API describes it now (each poll); `previous` is the last poll's. */
  polled(job: JobView, previous: JobView | undefined, target: Watched): void;
  /** The status line: the step in words and the elapsed time (each tick, each poll, each retry). */
  status(label: string, elapsed: string): void;
  /** The job failed: why, in plain words. */
  failed(job: JobView): void;
  /** The job is done (once per job); `stillCurrent` turns false once another job is followed. */
  done(job: JobView, target: Watched, stillCurrent: () => boolean): void;
  /** The job cannot be followed (gone, or not this browser's): the problem in plain words. */
  lost(problem: string): void;
}

export type JobSource = Pick<ApiClient, 'findJobByName' | 'job'>;

export class JobFollower {
  private generation = 0;
  private target: Watched | undefined;
  private lastJob: JobView | undefined;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private tickTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly api: JobSource,
    private readonly events: JobFollowerEvents,
    private readonly now: () => number = Date.now,
  ) {}

  /** Follows this job from now on (and no other). */
  watch(target: Watched): void {
    this.generation += 1;
    clearTimeout(this.pollTimer);
    clearInterval(this.tickTimer);
    this.target = target;
    this.lastJob = undefined;
    this.events.started(target);
    this.events.status('Looking up the job…', '');
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
    void this.poll(this.generation);
  }

  /** Follows nothing any more (the job was deleted): a late answer is ignored, the timers stop. */
  stop(): void {
    this.generation += 1;
    clearTimeout(this.pollTimer);
    clearInterval(this.tickTimer);
    this.target = undefined;
    this.lastJob = undefined;
  }

  /** The job followed now, as last polled, and the access token it is read with. */
  current(): { readonly job?: JobView; readonly access?: string } {
    return {
      ...(this.lastJob ? { job: this.lastJob } : {}),
      ...(this.target?.access ? { access: this.target.access } : {}),
    };
  }

  private tick(): void {
    const { label, elapsed } = statusLine(this.lastJob, this.target?.startedAt, this.now());
    this.events.status(label, elapsed);
  }

  private async poll(mine: number): Promise<void> {
    const target = this.target;
    if (!target || mine !== this.generation) return;
    try {
      const job = await this.lookUp(target);
      if (mine !== this.generation) return;
      if (job) {
        this.update(job, target, mine);
        // A finished job is followed a little longer while its email is not sent or held yet.
        if (isFinal(stepOf(job.state)) && !(job.state === 'done' && emailPending(job, target))) return;
      }
    } catch (error) {
      if (mine !== this.generation) return;
      const e = toApiRequestError(error);
      const problem = apiProblem(e.status, e.code, e.message);
      if (e.status === 404 || e.status === 401) {
        clearInterval(this.tickTimer);
        this.events.lost(problem);
        return;
      }
      this.events.status(`${problem} Retrying…`, '');
    }
    this.pollTimer = setTimeout(() => void this.poll(mine), POLL_MS);
  }

  /** The job, once the pipeline has seen it: until then an upload is known by its name only. */
  private async lookUp(target: Watched): Promise<JobView | undefined> {
    if (!target.jobId) {
      const found = await this.api.findJobByName(target.name as string);
      if (found) {
        target.jobId = found.jobId;
        this.events.found(found.jobId);
      }
    }
    return target.jobId ? this.api.job(target.jobId, target.access) : undefined;
  }

  private update(job: JobView, target: Watched, mine: number): void {
    const previous = this.lastJob;
    this.lastJob = job;
    this.events.polled(job, previous, target);
    this.tick();
    const step = stepOf(job.state);
    if (step === 'failed') {
      clearInterval(this.tickTimer);
      this.events.failed(job);
    }
    if (step === 'done' && previous?.state !== 'done') {
      clearInterval(this.tickTimer);
      this.events.done(job, target, () => mine === this.generation);
    }
  }
}

/** Whether to look again for a done job's email state: only while the API may still fill it in. */
export function emailPending(job: Pick<JobView, 'email'>, target: Watched): boolean {
  if (job.email !== undefined || target.access) return false; // an email link: its email went out already
  target.emailPolls = (target.emailPolls ?? 0) + 1;
  return target.emailPolls <= EMAIL_POLLS;
}
