/** The page's links: a job (an email's link, a reload, a recent job) or an address confirmation. */
import { toApiRequestError, type ApiClient } from './api-client';
import type { Watched } from './job-follower';
import { parseRoute } from './location';
import { apiProblem } from './progress';
import type { RecentJob } from './recent';

/** What a job link follows: the job, and what this browser knows of it (its file name, when it was uploaded). */
export function watchedForJobLink(
  link: { readonly jobId: string; readonly access?: string },
  recent: readonly RecentJob[],
): Watched {
  const known = recent.find((j) => j.jobId === link.jobId);
  return {
    jobId: link.jobId,
    ...(link.access ? { access: link.access } : {}),
    ...(known ? { name: known.name, fileName: known.fileName, startedAt: Date.parse(known.startedAt) } : {}),
  };
}

/** What the page says once an address is confirmed, with the number of waiting results emailed now. */
export function confirmedNote(emailed: number): string {
  const waited =
    emailed === 0
      ? ''
      : emailed === 1
        ? ' The result that waited for it was emailed just now.'
        : ` The ${emailed} results that waited for it were emailed just now.`;
  return `Thank you: your address is confirmed for the browser that asked. Results of its pictures will be emailed to you.${waited}`;
}

export interface LinkDeps {
  readonly api: Pick<ApiClient, 'confirm'>;
  readonly recent: () => readonly RecentJob[];
  watch(target: Watched): void;
  note(text: string): void;
  problem(text: string): void;
  /** Takes the confirmation token out of the address bar (a reload must not confirm again). */
  clearLink(): void;
  /** Shows the Confirm button; `confirm` runs when a person presses it (confirm-button.ts). */
  askToConfirm(confirm: () => Promise<void>): void;
}

/**
 * Follows the address bar's fragment: a job is watched; a confirmation link shows a Confirm button, and only its
 * press sends the confirmation (then its outcome is said and the link cleared). Opening the link confirms nothing:
 * a mail scanner that opens links and runs their scripts must not confirm a stranger's session (decision 0025).
 */
export async function followLink(hash: string, deps: LinkDeps): Promise<void> {
  const route = parseRoute(hash);
  if (route.kind === 'job') {
    deps.watch(watchedForJobLink(route, deps.recent()));
  } else if (route.kind === 'confirm') {
    deps.askToConfirm(async () => {
      try {
        const { results } = await deps.api.confirm(route.token);
        deps.note(confirmedNote(results?.emailed ?? 0));
      } catch (error) {
        const e = toApiRequestError(error);
        deps.problem(apiProblem(e.status, e.code, e.message));
      }
      deps.clearLink();
    });
  }
}
