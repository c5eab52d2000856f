import type { JobReport, JobStatus } from '@gen3d/events';
import { ObjectMissingError, type BucketStore } from '@gen3d/object-store';
import { buildReportKey } from '@gen3d/s3-keys';
import { JobDocuments } from './documents';

/** What a finished job made, read at the versions the job itself wrote. */
export interface JobResult {
  readonly mesh: { readonly key: string; readonly versionId: string | undefined; readonly bytes: number };
  /** The job's own report, when it can be read (a missing or unreadable one leaves the mesh usable). */
  readonly report: JobReport | undefined;
}

/**
 * The mesh and report of a done job, at the versions its status records (the sidecar writes them there), so that a
 * later upload under the same name never answers for this job. A status written before versions were recorded
 * falls back to the mesh under the name, and only when that mesh's metadata names this job. Undefined when the job
 * is not done or its mesh is gone.
 *
 * @example const result = await readJobResult(data, status); result?.mesh.versionId
 */
export async function readJobResult(data: BucketStore, status: JobStatus): Promise<JobResult | undefined> {
  if (status.state !== 'done' || status.meshKey === undefined) return undefined;
  const docs = new JobDocuments(data, () => new Date());
  let info;
  try {
    info = await data.head(status.meshKey, status.meshVersionId);
  } catch (error) {
    if (error instanceof ObjectMissingError) return undefined;
    throw error;
  }
  if (!info) return undefined;
  const named = docs.readMeshMetadata(info.metadata);
  if (named.jobId !== undefined && named.jobId !== status.jobId) return undefined;
  const read = await docs.readReport(
    buildReportKey({ userId: status.userId, name: status.name }),
    status.reportVersionId ?? named.reportVersionId,
  );
  return {
    mesh: { key: status.meshKey, versionId: status.meshVersionId ?? info.versionId, bytes: info.size },
    report: read.ok && read.report.jobId === status.jobId ? read.report : undefined,
  };
}
