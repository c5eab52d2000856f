import type { InferenceRequest, JobStatus, WorkerReport } from '@gen3d/events';
import { outputKeysFor, parseInputKey } from '@gen3d/s3-keys';
import type { JobDocuments } from './documents';

/** A job's mesh as the sidecar stored it, and the report version the mesh names. */
export interface StoredMesh {
  readonly key: string;
  readonly versionId: string | undefined;
  readonly reportKey: string;
  readonly reportVersionId: string | undefined;
}

/**
 * The job's mesh, when the sidecar stored it: the PLY of its upload's name whose `job-id` metadata is this job's.
 * The sidecar writes the PLY before the `done` status, so a job can have its mesh and a status that never got there
 * (the container died or overran in between); the status alone cannot say. A PLY under the same name made by
 * another job (an earlier or a later upload) is not this job's.
 *
 * @example await findStoredMesh(docs, request) // { key: 'users/u1/output/cup.ply', versionId: 'v3', … }
 */
export async function findStoredMesh(
  docs: JobDocuments,
  job: Pick<InferenceRequest, 'jobId' | 'input'>,
): Promise<StoredMesh | undefined> {
  if (job.input.bucket !== docs.data.bucket) return undefined;
  const keys = outputKeysFor(parseInputKey(job.input.key));
  const mesh = await docs.data.head(keys.mesh);
  if (!mesh) return undefined;
  const named = docs.readMeshMetadata(mesh.metadata);
  if (named.jobId !== job.jobId) return undefined;
  return {
    key: keys.mesh,
    versionId: mesh.versionId,
    reportKey: keys.report,
    reportVersionId: named.reportVersionId,
  };
}

/**
 * Writes the `done` status the sidecar did not get to, from what it stored before it: the mesh, and the report at
 * the version the mesh names (the job's end and its mesh's figures; a report that cannot be read leaves them out,
 * and the end is now). `startedAt` is kept from the status it replaces.
 *
 * @example await markDoneFromMesh(docs, { ...request, name }, mesh, current?.startedAt)
 */
export async function markDoneFromMesh(
  docs: JobDocuments,
  job: Pick<InferenceRequest, 'jobId' | 'userId' | 'requestedAt'> & { readonly name: string },
  mesh: StoredMesh,
  startedAt: string | undefined,
): Promise<JobStatus> {
  const read = await docs.readReport(mesh.reportKey, mesh.reportVersionId);
  const report = read.ok && read.report.jobId === job.jobId ? read.report : undefined;
  return docs.writeStatus(job, 'done', {
    ...(startedAt !== undefined ? { startedAt: new Date(startedAt) } : {}),
    ...(report ? { finishedAt: new Date(report.finishedAt), mesh: meshStatsOf(report.worker) } : {}),
    meshKey: mesh.key,
    ...(mesh.versionId !== undefined ? { meshVersionId: mesh.versionId } : {}),
    ...(mesh.reportVersionId !== undefined ? { reportVersionId: mesh.reportVersionId } : {}),
  });
}

/** The figures of a mesh a job status shows, from the worker's report. */
export function meshStatsOf(report: WorkerReport): JobStatus['mesh'] {
  const { vertices, faces, watertight, bytes } = report.mesh;
  return { vertices, faces, watertight, ...(bytes !== undefined ? { bytes } : {}) };
}
