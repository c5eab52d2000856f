import {
  BoxSchema,
  DocumentParseError,
  jsonParserFor,
  PointsSchema,
  ShapeSchema,
  uploadMetadataFor,
  type RetryAnswer,
} from '@gen3d/events';
import { copyJobInput, readJobRequest, RETRY_OF_METADATA, retryOptionsOf, retryStemOf } from '@gen3d/jobs';
import { buildInputKey, type UserId } from '@gen3d/s3-keys';
import { z } from 'zod';
import type { ApiContext } from './context';
import { BadRequestError, ConflictError, NotFoundError } from './errors';
import { json, type ApiResponse } from './http';
import { findJob } from './job-routes';
import { grantUpload, grantedMetadata } from './uploads';

/** libs/events' RetryRequest, checked: the new prompts and shape (none carried over from the first job). */
const RetryRequestSchema = z.strictObject({
  point: z
    .strictObject({ x: z.number().int().min(0).max(99_999), y: z.number().int().min(0).max(99_999) })
    .optional(),
  points: PointsSchema.optional(),
  box: BoxSchema.optional(),
  shape: ShapeSchema.optional(),
});
const parseRetryRequest = jsonParserFor('retry request', RetryRequestSchema);

/**
 * POST /jobs/{id}/retry: a new job on the same picture (the version the first job's request names) with new prompts.
 * It is granted like an upload (the same quotas, checked here and counted again by extract; the same email) and
 * started by a copy of that version to a fresh input key, with the metadata a granted upload's form would carry.
 */
export async function retryJob(
  context: ApiContext,
  body: string,
  userId: UserId,
  jobId: string,
): Promise<ApiResponse> {
  const { deps, log } = context;
  const retry = parseRetry(body);
  const status = await findJob(deps, { userId }, jobId);
  if (status.state !== 'done' && status.state !== 'failed') {
    throw new ConflictError('still-running', 'This job is still running; try again once it has ended.');
  }
  const request = await readJobRequest(deps.data, status);
  const picture = request && (await deps.data.head(request.input.key, request.input.versionId));
  if (!request || !picture)
    throw new NotFoundError('picture-gone', 'The picture of this job is no longer stored.');
  const email = picture.metadata['email'];
  if (email === undefined)
    throw new ConflictError('no-address', 'This job has no address to send a result to.');
  const options = retryOptionsOf(request.options, retry);
  try {
    uploadMetadataFor(options); // checked before anything is granted: a prompt outside its ranges is a 400
  } catch (error) {
    if (error instanceof DocumentParseError) throw new BadRequestError('bad-retry', error.message);
    throw error;
  }
  const grant = await grantUpload(context, userId, { fileName: `${retryStemOf(status.name)}.png`, email });
  const key = buildInputKey({ userId, name: grant.name });
  const metadata = { ...grantedMetadata(context, userId, grant, options), [RETRY_OF_METADATA]: status.jobId };
  const copy = await copyJobInput(deps.data, request, { key, metadata }, deps.config.maxUploadBytes);
  log
    .child({ jobId })
    .info({ retryJobId: copy.jobId, confirmation: grant.address.confirmation }, 'retry started');
  return json(202, { jobId: copy.jobId, name: grant.name } satisfies RetryAnswer);
}

function parseRetry(body: string): z.output<typeof RetryRequestSchema> {
  try {
    return parseRetryRequest(body === '' ? '{}' : body);
  } catch (error) {
    if (error instanceof DocumentParseError) throw new BadRequestError('bad-retry', error.message);
    throw error;
  }
}
