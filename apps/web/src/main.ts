/**
 * The page: its parts, wired together. The upload form sends a picture, the job follower polls its job, the
 * progress and result panels show it, the recent list and the page's links open a job again.
 */
import { ApiClient, readApiBase, type Fetch, type SessionStore } from './api-client';
import { JobFollower, type Watched } from './job-follower';
import { followLink } from './links';
import { jobHash } from './location';
import { mountPictureInput } from './picture-input';
import { mountProgressPanel } from './progress-panel';
import { mountPromptPicker } from './prompt-picker';
import { NO_PROMPTS } from './prompts';
import { readRecent, rememberJob, type RecentJob } from './recent';
import { recentEntryOf, renderRecentList, watchedOf } from './recent-list';
import { mountResultPanel } from './result-panel';
import { mountUploadForm } from './upload-form';

/** The job card and the recent list: following a job shows it in the card and keeps it in the list. */
function mountJobs(api: ApiClient, storage: SessionStore) {
  const progress = mountProgressPanel();
  const follower: JobFollower = new JobFollower(api, {
    started: (target) => {
      result.reset();
      progress.start(target);
    },
    found: (jobId) => history.replaceState(null, '', jobHash(jobId)),
    polled: (job, _previous, target) => {
      progress.job(job, target);
      const entry = recentEntryOf(job, target);
      if (entry) remember(entry);
    },
    status: (label, elapsed) => progress.status(label, elapsed),
    failed: (job) => progress.failed(job),
    done: (job, target, stillCurrent) => void result.show(job, target.access, stillCurrent),
    lost: (problem) => progress.lost(problem),
  });
  const result = mountResultPanel(api, () => follower.current());
  const watch = (target: Watched): void => follower.watch(target);
  const showRecent = (jobs: readonly RecentJob[]): void =>
    renderRecentList(jobs, (job) => {
      if (job.jobId) history.replaceState(null, '', jobHash(job.jobId, job.access));
      watch(watchedOf(job));
    });
  const remember = (job: RecentJob): void => showRecent(rememberJob(storage, job));
  showRecent(readRecent(storage));
  return { watch, remember };
}

async function start(): Promise<void> {
  const fetchFn: Fetch = (input, init) => fetch(input, init);
  const storage = window.localStorage;
  const api = new ApiClient(await readApiBase(fetchFn), fetchFn, storage);
  const jobs = mountJobs(api, storage);
  const picture = mountPictureInput({
    choosing: () => messages.hideProblem(),
    chosen: () => prompts.set(NO_PROMPTS),
  });
  const prompts = mountPromptPicker(() => picture.chosen());
  const messages = mountUploadForm({
    api,
    storage,
    picture,
    prompts: () => prompts.current(),
    uploaded: (grant, fileName, startedAt) => {
      jobs.remember({ name: grant.name, fileName, startedAt: new Date(startedAt).toISOString() });
      jobs.watch({ name: grant.name, startedAt, fileName });
    },
  });
  const follow = (): Promise<void> =>
    followLink(window.location.hash, {
      api,
      recent: () => readRecent(storage),
      watch: jobs.watch,
      note: messages.note,
      problem: messages.problem,
      clearLink: () => history.replaceState(null, '', window.location.pathname),
    });
  window.addEventListener('hashchange', () => void follow());
  await follow();
}

void start();
