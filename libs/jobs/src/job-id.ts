import { createHash } from 'node:crypto';
import { parseJobId, type JobId } from '@gen3d/s3-keys';

/**
 * The job id of an upload: the same object version always gives the same id, so a redelivered event or a second
 * record for the same object maps to the same job (and the same SageMaker InferenceId).
 */
export function jobIdFor(object: {
  bucket: string;
  key: string;
  versionId?: string | undefined;
  eTag?: string | undefined;
}): JobId {
  const identity = [object.bucket, object.key, object.versionId ?? '', object.eTag ?? ''].join('\n');
  return parseJobId(createHash('sha256').update(identity).digest('hex').slice(0, 32));
}
