/**
 * Until when a job's files are kept, one rule for every place that says it: the result email (libs/jobs), the job
 * views of the API and the CLI (libs/jobs' jobViewOf) and the web page (apps/web). No Node-only code and no schema,
 * so the browser bundle takes only these few lines (`@gen3d/events/retention`).
 */

/** The times a job's documents record when it ended (see JobStatus and JobReport). */
export interface JobEndTimes {
  readonly status?: { readonly finishedAt?: string | undefined } | undefined;
  readonly report?: { readonly finishedAt: string } | undefined;
}

/**
 * When a job ended, as recorded: its report's time, else its status's (a failed job has no report; an older status
 * may lag its report by the mesh's upload); undefined while it runs. The report's comes first because the result
 * email has nothing else: it is sent on the mesh's event, before the sidecar writes the done status.
 *
 * @example jobEndedAt({ status, report }) // '2026-12-06T09:59:00Z'
 */
export function jobEndedAt(job: JobEndTimes): string | undefined {
  return [job.report?.finishedAt, job.status?.finishedAt].find(
    (at) => at !== undefined && !Number.isNaN(Date.parse(at)),
  );
}

/**
 * Until when a job's files stay: `retentionDays` after it ended (see {@link jobEndedAt}).
 *
 * @example keptUntil(new Date('2026-12-06T09:59:00Z'), 30) // 2027-01-05T09:59:00.000Z
 */
export function keptUntil(endedAt: Date, retentionDays: number): Date {
  return new Date(endedAt.getTime() + retentionDays * 24 * 3600 * 1000);
}

/**
 * The day the files are kept until, in `locale`'s words (the reader's own when absent): the day in UTC, whatever the
 * reader's time zone, as S3's lifecycle rules count whole UTC days; so the email and the page name the same day.
 *
 * @example keptUntilDay(new Date('2027-01-05T23:30:00Z'), 'en-GB') // '5 January 2027', in Auckland too
 */
export function keptUntilDay(until: Date, locale?: string): string {
  return until.toLocaleDateString(locale, {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}
