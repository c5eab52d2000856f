/**
 * "Try again": a new job on the same picture with other prompts or another shape. What the first job used is
 * remembered by this browser (the upload's or the retry's own request); these pure functions turn it into the
 * prompt picker's marks and the shape choice, and those back into the body of `POST /jobs/{id}/retry`.
 */
import type { JobView, RetryRequest, UploadRequest } from './api-client';
import { NO_PROMPTS, promptsForUpload, type Prompts } from './prompts';
import { shapeForUpload } from './upload-form';

/** The options of a job that a retry can change: its prompts and its shape (what `RetryRequest` carries). */
export type UsedOptions = RetryRequest;

/** What an upload asked for, of the options a retry can change. */
export function usedOptionsOf(
  request: Pick<UploadRequest, 'point' | 'points' | 'box' | 'shape'>,
): UsedOptions {
  return {
    ...(request.point ? { point: { ...request.point } } : {}),
    ...(request.points ? { points: request.points.map((p) => ({ ...p })) } : {}),
    ...(request.box ? { box: { ...request.box } } : {}),
    ...(request.shape ? { shape: request.shape as NonNullable<UsedOptions['shape']> } : {}),
  };
}

/** The marks a job used, for the picker (a lone `point` is a point on the object); none when unknown. */
export function promptsOfUsed(used: UsedOptions | undefined): Prompts {
  if (!used) return NO_PROMPTS;
  const points = used.points?.map((p) => ({ x: p.x, y: p.y, label: p.label })) ?? [];
  if (used.point) points.unshift({ x: used.point.x, y: used.point.y, label: 1 });
  return used.box ? { points, box: { ...used.box } } : { points };
}

/** The shape radio to check for a job: its shape, or "auto" when the worker chose. */
export function shapeChoiceOf(used: UsedOptions | undefined): string {
  return used?.shape ?? 'auto';
}

/** The body of `POST /jobs/{id}/retry` for these marks and this shape choice (the upload's own encoding). */
export function retryRequestOf(prompts: Prompts, shapeChoice: string | undefined): RetryRequest {
  return {
    ...promptsForUpload(prompts),
    ...(shapeForUpload(shapeChoice) as Pick<RetryRequest, 'shape'>),
  };
}

/** A job can be tried again once it is over: done (another result is wanted) or failed. */
export function canRetry(job: Pick<JobView, 'state'>): boolean {
  return job.state === 'done' || job.state === 'failed';
}

/** What the Try-again panel says about the marks it shows. */
export function retryNote(used: UsedOptions | undefined, picture: 'photo' | 'mask' | 'none'): string {
  const what = used
    ? 'The marks and the shape this job used are filled in: change them, then make it again.'
    : 'This browser does not know the marks this job used: mark the object again, or choose another shape.';
  if (picture === 'mask') return `${what} The picture is not in this page: its mask stands in for it.`;
  if (picture === 'none') return `${what} The picture is not in this page, so only the shape can be changed.`;
  return what;
}

/**
 * Whether this browser may retry or delete the job: the API does both for a session's own jobs only. A job
 * followed without an access token is the session's (else it could not be read); one read through an email link is
 * this browser's only if it uploaded or retried it here (then it remembers what the job asked for).
 */
export function isOwnJob(
  access: string | undefined,
  known: { readonly used?: UsedOptions } | undefined,
): boolean {
  return access === undefined || known?.used !== undefined;
}
