/** How long a job's files are kept: the date the API gives (`JobView.keptUntil`), said in the reader's words. */

/** The reader's own long date ("5 January 2027", "January 5, 2027", …). */
export const localDate = (date: Date): string => date.toLocaleDateString(undefined, { dateStyle: 'long' });

/** "Files kept until …", or nothing when the API did not say (a running job, an old one) or said nonsense. */
export function keptUntilText(
  keptUntil: string | undefined,
  formatDate: (date: Date) => string = localDate,
): string | undefined {
  if (!keptUntil) return undefined;
  const date = new Date(keptUntil);
  if (Number.isNaN(date.getTime())) return undefined;
  return `Files kept until ${formatDate(date)}`;
}
