import { z } from 'zod';

/**
 * Every failure a job can end with, shared by the worker (Python), the sidecar and the lambdas.
 * `user` is what the person who uploaded the picture reads; the technical detail goes to the admin.
 */
export const JOB_ERRORS = {
  EmptyImageError: { retryable: false, user: 'The file you uploaded is empty.' },
  NotAPngError: {
    retryable: false,
    user: 'The file you uploaded is not a PNG image, whatever its name says.',
  },
  CorruptImageError: { retryable: false, user: 'The PNG you uploaded is damaged or incomplete.' },
  ImageTooLargeError: { retryable: false, user: 'The picture is too large. Please upload a smaller image.' },
  NoObjectFoundError: {
    retryable: false,
    user: 'We could not find an object in the picture. Try a picture with one object on a plain background.',
  },
  InvalidKeyError: { retryable: false, user: 'The file name or location of the upload is not allowed.' },
  InvalidRequestError: { retryable: false, user: 'The request for this job was malformed.' },
  InputMissingError: { retryable: false, user: 'The uploaded picture could not be found any more.' },
  BackendUnavailableError: {
    retryable: true,
    user: 'The 3D reconstruction service is not available right now.',
  },
  WorkerCrashedError: { retryable: true, user: 'The 3D reconstruction stopped unexpectedly.' },
  JobTimeoutError: { retryable: true, user: 'The 3D reconstruction took too long.' },
  OverloadedError: { retryable: true, user: 'The service is busy right now.' },
  LimitReachedError: {
    retryable: true,
    user: 'This picture was not made: you have reached the number of pictures in progress, or this address its pictures for today. Please try again later.',
  },
  InternalError: { retryable: true, user: 'Something went wrong on our side.' },
} as const satisfies Record<string, { retryable: boolean; user: string }>;

export type JobErrorType = keyof typeof JOB_ERRORS;
export const JobErrorTypeSchema = z.enum(Object.keys(JOB_ERRORS) as [JobErrorType, ...JobErrorType[]]);

/** The typed error as it crosses a process boundary. */
export const JobErrorSchema = z.object({
  type: JobErrorTypeSchema,
  /** Technical message, for the admin and the logs. */
  message: z.string().max(4000),
});
export type JobError = z.output<typeof JobErrorSchema>;

/** The message shown to the user for an error type. */
export function userMessageFor(type: JobErrorType): string {
  return JOB_ERRORS[type].user;
}
