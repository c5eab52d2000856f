/**
 * The page: its parts, wired together. The upload form sends a picture, the job follower polls its job, the
 * progress and result panels show it (with its picture and the mask the model used), the job's actions try it
 * again or delete it, the recent list and the page's links open a job again.
 */
import { ApiClient, readApiBase, type Fetch, type JobView, type SessionStore } from './api-client';
import { mountJobActions, type JobActionsDeps } from './job-actions';
import { JobFollower, type Watched } from './job-follower';
import { mountJobPicture, type PagePicture } from './job-picture';
import { mountConfirmButton } from './confirm-button';
import { followLink } from './links';
import { jobHash } from './location';
import { mountPictureInput } from './picture-input';
import { mountProgressPanel } from './progress-panel';
import { mountPromptPicker } from './prompt-picker';
import { NO_PROMPTS } from './prompts';
import { forgetJob, readRecent, recentOf, rememberJob, type RecentJob } from './recent';
import { mountRecentList, recentEntryOf, watchedOf } from './recent-list';
import { mountResultPanel } from './result-panel';
import { isOwnJob, usedOptionsOf } from './retry';
import { ImageLinks } from './thumbnails';
import { mountUploadForm } from './upload-form';

/** What the job card and the recent list share: the API, this browser's list, the pictures this page uploaded. */
interface JobsContext {
  readonly api: ApiClient;
  readonly storage: SessionStore;
  /** The pictures of this page's uploads (and of their retries), by the upload's stored name. */
  readonly pictures: Map<string, PagePicture>;
  /** Says something under the upload form (a deleted job's card is gone). */
  note(text: string): void;
}

/** The job card and the recent list: following a job shows it in the card and keeps it in the list. */
function mountJobs(context: JobsContext) {
  const { api, storage, pictures } = context;
  const links = new ImageLinks(api);
  const progress = mountProgressPanel();
  const picture = mountJobPicture(api);
  const known = (job: JobView): RecentJob | undefined => recentOf(readRecent(storage), job);
  const fileNameOf = (job: JobView): string => known(job)?.fileName ?? job.name;
  const over = (job: JobView, access: string | undefined, stillCurrent: () => boolean): void => {
    void picture.show(job, access, pictures.get(job.name), stillCurrent);
    actions.show(job, isOwnJob(access, known(job)));
  };
  const follower: JobFollower = new JobFollower(api, {
    started: (target) => {
      [result, picture, actions].forEach((part) => part.reset());
      progress.start(target);
    },
    found: (jobId) => history.replaceState(null, '', jobHash(jobId)),
    polled: (job, _previous, target) => {
      progress.job(job, target);
      const entry = recentEntryOf(job, target);
      if (entry) remember(entry);
    },
    status: (label, elapsed) => progress.status(label, elapsed),
    failed: (job) => {
      progress.failed(job);
      result.failed(job);
      over(job, follower.current().access, () => follower.current().job?.jobId === job.jobId);
    },
    done: (job, target, stillCurrent) => {
      void result.show(job, target.access, stillCurrent);
      over(job, target.access, stillCurrent);
    },
    lost: (problem) => progress.lost(problem),
  });
  const result = mountResultPanel(api, () => follower.current(), {
    url: (jobId, access) => links.url(jobId, 'thumbnail', access),
    fileNameOf,
  });
  const watch = (target: Watched): void => follower.watch(target);
  const showRecent = mountRecentList(
    (job) => {
      if (job.jobId) history.replaceState(null, '', jobHash(job.jobId, job.access));
      watch(watchedOf(job));
    },
    (job) => links.url(job.jobId, 'thumbnail', job.access),
  );
  const remember = (job: RecentJob): void => showRecent(rememberJob(storage, job));
  const actions = mountJobActions({
    api,
    picture,
    current: () => follower.current(),
    usedBy: (job) => known(job)?.used,
    fileNameOf,
    ...afterActions(context, { fileNameOf, remember, watch }),
    deleted: (job) => {
      const fileName = fileNameOf(job);
      follower.stop();
      links.forget(job.jobId);
      [result, picture, actions].forEach((part) => part.reset());
      progress.hide();
      showRecent(forgetJob(storage, job));
      history.replaceState(null, '', window.location.pathname);
      context.note(`${fileName} and all its files were deleted.`);
    },
  });
  showRecent(readRecent(storage));
  return { watch, remember };
}

/** A retried job is followed like an upload: listed with what it asked for, its picture the first job's. */
function afterActions(
  { pictures }: JobsContext,
  page: {
    fileNameOf(job: JobView): string;
    remember(job: RecentJob): void;
    watch(target: Watched): void;
  },
): Pick<JobActionsDeps, 'retried'> {
  return {
    retried: (answer, from, request) => {
      const shown = pictures.get(from.name);
      if (shown) pictures.set(answer.name, shown);
      const fileName = page.fileNameOf(from);
      const startedAt = Date.now();
      page.remember({
        name: answer.name,
        fileName,
        startedAt: new Date(startedAt).toISOString(),
        used: request,
        retryOf: from.jobId,
      });
      // The session that retried finds the new job by its name, like an upload.
      page.watch({ name: answer.name, startedAt, fileName });
    },
  };
}

async function start(): Promise<void> {
  const fetchFn: Fetch = (input, init) => fetch(input, init);
  const storage = window.localStorage;
  const api = new ApiClient(await readApiBase(fetchFn), fetchFn, storage);
  const pictures = new Map<string, PagePicture>();
  const jobs = mountJobs({ api, storage, pictures, note: (text) => messages.note(text) });
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
    uploaded: (grant, fileName, startedAt, sent) => {
      // The page's own copy of the picture: the chooser's preview URL goes when another picture is chosen.
      const { file, width, height } = sent.picture;
      pictures.set(grant.name, { url: URL.createObjectURL(file), width, height, fileName });
      const used = usedOptionsOf(sent.request);
      jobs.remember({ name: grant.name, fileName, startedAt: new Date(startedAt).toISOString(), used });
      jobs.watch({ name: grant.name, startedAt, fileName });
    },
  });
  const confirmButton = mountConfirmButton();
  const follow = (): Promise<void> =>
    followLink(window.location.hash, {
      api,
      recent: () => readRecent(storage),
      watch: jobs.watch,
      note: messages.note,
      problem: messages.problem,
      clearLink: () => history.replaceState(null, '', window.location.pathname),
      askToConfirm: confirmButton.askToConfirm,
    });
  window.addEventListener('hashchange', () => void follow());
  await follow();
}

void start();
