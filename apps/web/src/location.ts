import { JOB_ID_PATTERN } from '@gen3d/s3-keys';

/** What the address bar's fragment asks for: a job (from an email link, or a recent job), or a confirmation. */
export type Route =
  | { readonly kind: 'home' }
  | { readonly kind: 'job'; readonly jobId: string; readonly access?: string }
  | { readonly kind: 'confirm'; readonly token: string };

/** @example parseRoute('#job=3f2a9c1d0b7e4a55&access=abc.def') // { kind: 'job', jobId: '3f2a…', access: 'abc.def' } */
export function parseRoute(hash: string): Route {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('confirm');
  if (token) return { kind: 'confirm', token };
  const jobId = params.get('job');
  if (jobId && JOB_ID_PATTERN.test(jobId)) {
    const access = params.get('access');
    return access ? { kind: 'job', jobId, access } : { kind: 'job', jobId };
  }
  return { kind: 'home' };
}

export function jobHash(jobId: string, access?: string): string {
  const params = new URLSearchParams({ job: jobId });
  if (access) params.set('access', access);
  return `#${params.toString()}`;
}
