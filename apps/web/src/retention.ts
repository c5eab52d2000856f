import { keptUntilDay } from '@gen3d/events/retention';

/**
 * How long a job's files are kept: the date the API gives (`JobView.keptUntil`), said in the reader's words, on the
 * day the result email names (keptUntilDay: the UTC day, whatever the reader's time zone).
 */

/** "Files kept until …", or nothing when the API did not say (a running job, an old one) or said nonsense. */
export function keptUntilText(keptUntil: string | undefined, locale?: string): string | undefined {
  if (!keptUntil) return undefined;
  const date = new Date(keptUntil);
  if (Number.isNaN(date.getTime())) return undefined;
  return `Files kept until ${keptUntilDay(date, locale)}`;
}
