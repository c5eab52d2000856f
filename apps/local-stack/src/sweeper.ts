import { parseInferenceRequestJson, parseJobStatusJson } from '@gen3d/events';
import type { Logger } from '@gen3d/logging';
import type { BucketStore, ObjectVersionSummary } from '@gen3d/object-store';
import { buildReportKey, parseDataBucketKey, RETAINED_PREFIXES } from '@gen3d/s3-keys';

/**
 * The local stack's retention, what the data bucket's lifecycle rules do in AWS (decision 0028): every version under
 * users/ and of the job index (jobs/) older than RETENTION_DAYS and a day of grace goes, and so do the documents and the index entry of
 * a job whose files (its upload, mesh and report versions) are all gone, though written later than they were.
 */
export interface SweepOutcome {
  /** Versions deleted for good. */
  readonly versions: number;
  /** Jobs whose documents are now all gone. */
  readonly jobs: readonly string[];
}

const DAY_MS = 24 * 3600 * 1000;

interface JobFile {
  readonly key: string;
  readonly versionId: string | undefined;
}

/** What one key of a job is: a document of the job, or its index entry. */
function jobOf(key: string): string | undefined {
  try {
    const parsed = parseDataBucketKey(key);
    return parsed.kind === 'job-document' || parsed.kind === 'job-index' ? parsed.jobId : undefined;
  } catch {
    return undefined;
  }
}

const idOf = (version: { key: string; versionId: string }) => `${version.key}\n${version.versionId}`;

/**
 * One pass: deletes what is older than `retentionDays` at `now`, then what only described a job whose files went.
 *
 * @example await sweepExpired(bindBucket(store, 'gen3d-data-bucket'), 30, new Date())
 */
export async function sweepExpired(
  data: BucketStore,
  retentionDays: number,
  now: Date,
): Promise<SweepOutcome> {
  // A day of grace: the date the email and the page give counts from the job's end, which comes after its upload (by
  // its wait in the queue and its run); a file is never deleted before that date. S3 too rounds up a day.
  const cutoff = now.getTime() - (retentionDays + 1) * DAY_MS;
  const versions = (await Promise.all(RETAINED_PREFIXES.map((prefix) => data.listVersions(prefix)))).flat();
  const expired = versions.filter((v) => v.lastModified !== undefined && v.lastModified.getTime() < cutoff);
  const left = new Set(versions.map(idOf));
  for (const version of expired) left.delete(idOf(version));

  const filesGone = await jobsWithoutFiles(data, versions, left);
  const doomed = [
    ...expired,
    ...versions.filter((v) => left.has(idOf(v)) && filesGone.has(jobOf(v.key) ?? '')),
  ];
  for (const version of doomed) {
    await data.delete(version.key, version.versionId);
    left.delete(idOf(version));
  }
  const touched = new Set(doomed.map((v) => jobOf(v.key)).filter((job): job is string => job !== undefined));
  const remaining = new Set(versions.filter((v) => left.has(idOf(v))).map((v) => jobOf(v.key)));
  return { versions: doomed.length, jobs: [...touched].filter((job) => !remaining.has(job)).sort() };
}

/**
 * The jobs that still have documents but none of whose files remain. A job that names no file (an upload rejected
 * before its request was written) is left to expire by age.
 */
async function jobsWithoutFiles(
  data: BucketStore,
  versions: readonly ObjectVersionSummary[],
  left: ReadonlySet<string>,
): Promise<Set<string>> {
  const documents = new Map<string, ObjectVersionSummary[]>();
  for (const version of versions) {
    const job = jobOf(version.key);
    if (job !== undefined && version.key.startsWith('users/') && !version.deleteMarker) {
      documents.set(job, [...(documents.get(job) ?? []), version]);
    }
  }
  const remains = (file: JobFile) =>
    file.versionId === undefined
      ? versions.some((v) => v.key === file.key && left.has(idOf(v)))
      : left.has(idOf({ key: file.key, versionId: file.versionId }));
  const gone = new Set<string>();
  for (const [job, docs] of documents) {
    if (!docs.some((doc) => left.has(idOf(doc)))) continue;
    const files = await filesOf(data, docs);
    if (files.length > 0 && !files.some(remains)) gone.add(job);
  }
  return gone;
}

/** A job's files, as its newest request and status name them: the upload's version, the mesh's and the report's. */
async function filesOf(data: BucketStore, docs: readonly ObjectVersionSummary[]): Promise<JobFile[]> {
  const newest = (file: string) => docs.find((doc) => doc.key.endsWith(`/${file}`));
  const read = async <T>(file: string, parse: (text: string) => T): Promise<T | undefined> => {
    const doc = newest(file);
    if (!doc) return undefined;
    try {
      return parse(await data.getText(doc.key, { versionId: doc.versionId }));
    } catch {
      return undefined; // unreadable: it names no file
    }
  };
  const request = await read('request.json', parseInferenceRequestJson);
  const status = await read('status.json', parseJobStatusJson);
  const files: JobFile[] = [];
  if (request) files.push({ key: request.input.key, versionId: request.input.versionId });
  if (status?.meshKey) files.push({ key: status.meshKey, versionId: status.meshVersionId });
  if (status?.reportVersionId) {
    files.push({
      key: buildReportKey({ userId: status.userId, name: status.name }),
      versionId: status.reportVersionId,
    });
  }
  return files;
}

export interface SweeperOptions {
  readonly data: BucketStore;
  readonly retentionDays: number;
  readonly clock: () => Date;
  readonly log: Logger;
  /** How often it sweeps after the first sweep at start: every hour unless set. */
  readonly intervalMs?: number;
}

/** Sweeps at start and every hour while the stack runs; a failed sweep is logged and tried again the next hour. */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: SweeperOptions) {}

  /** Starts sweeping (the first sweep runs at once, in the background). */
  start(): void {
    this.timer = setInterval(() => this.sweep(), this.options.intervalMs ?? 3600 * 1000);
    this.timer.unref();
    this.sweep();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private sweep(): void {
    if (this.running) return;
    const { data, retentionDays, clock, log } = this.options;
    this.running = sweepExpired(data, retentionDays, clock())
      .then(
        (outcome) => {
          if (outcome.versions > 0) {
            log.info({ retentionDays, ...outcome, jobs: outcome.jobs.length }, 'swept files past retention');
          }
        },
        (error: unknown) => log.error({ err: error, retentionDays }, 'sweep failed; trying again later'),
      )
      .finally(() => {
        this.running = undefined;
      });
  }
}
