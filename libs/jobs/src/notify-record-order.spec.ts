import { parseJobStatusJson } from '@gen3d/events';
import { jobReportOf } from '@gen3d/events/testing';
import { extractObject } from './extract';
import { BUCKET, coreWorld, invocation, objectOf, PNG } from './fixtures/core-world';
import { notifyObject, type NotifyPorts } from './notify';

// The sidecar writes the report, then the PLY (whose event sends the mesh email), then the `done` status. A container
// that dies or overruns after the PLY leaves SageMaker's failure record beside a stored mesh, and the two events reach
// notify in any order. Whatever the order, the uploader gets the mesh email and nothing else, the admin gets the
// record, and the job ends `done`.
const world = () => coreWorld(new Date('2026-11-27T03:00:00Z'));
type World = ReturnType<typeof world>;

const USER = 'cup@example.com';
const ADMIN = 'admin@example.com';
const MESH_EMAIL = [USER, 'Your 3D model is ready'];
const ADMIN_EMAIL = [ADMIN, '[Gen3D] job failed: WorkerCrashedError at inference'];
const FAILURE_EMAIL = [USER, 'We could not make your 3D model'];
const DIED = 'Received server error (0) from primary with message "Worker died."';

/** An upload of users/u1/input/cup.png through the extract core, its job started (request, index, status). */
async function startJob(w: World) {
  const upload = await w.upload('users/u1/input/cup.png', PNG, { email: USER });
  const started = await extractObject(objectOf(upload), w.extractPorts, invocation());
  if (started.status !== 'started') throw new Error(`not started: ${started.status}`);
  const request = (await w.docs.readRequest({ userId: 'u1', jobId: started.jobId } as never))!;
  const job = { ...request, name: 'cup' };
  await w.docs.writeStatus(job, 'reconstructing', { startedAt: new Date('2026-11-27T03:00:00Z') });
  return { jobId: started.jobId, job, upload };
}

/**
 * A job whose container stored the report and the PLY and then died: before the `done` status (`reconstructing`
 * is left) or after it (`done`). SageMaker then records the failure. Answers the two events.
 */
async function meshThenDeath(w: World, statusLeft: 'reconstructing' | 'done') {
  const { jobId, job, upload } = await startJob(w);
  const report = jobReportOf({
    jobId,
    input: { bucket: BUCKET, key: upload.key, versionId: upload.versionId },
    output: { bucket: BUCKET, meshKey: 'users/u1/output/cup.ply', bytes: 4 },
    finishedAt: '2026-11-27T02:59:00Z',
  });
  const { record: mesh, written, reportWritten } = await w.storeResult(report);
  if (statusLeft === 'done') {
    await w.docs.writeStatus(job, 'done', {
      meshKey: 'users/u1/output/cup.ply',
      ...(written.versionId ? { meshVersionId: written.versionId } : {}),
      ...(reportWritten.versionId ? { reportVersionId: reportWritten.versionId } : {}),
    });
  }
  const { record } = await w.put(`sagemaker-output/failures/${jobId}-error.out`, DIED, {}, 'text/plain');
  return { jobId, mesh: objectOf(mesh), record: objectOf(record), meshVersionId: written.versionId };
}

const sent = (w: World) => w.emails.map((e) => [e.to, e.subject]);
const statusOf = async (w: World, jobId: string) =>
  parseJobStatusJson(await w.data.getText(`users/u1/jobs/${jobId}/status.json`));

describe('a SageMaker failure record of a job whose mesh was stored', () => {
  it.each([
    ['done', 'the record first'],
    ['done', 'the mesh first'],
    ['reconstructing', 'the record first'],
    ['reconstructing', 'the mesh first'],
  ] as const)(
    'status left %s, %s: the user gets the mesh email only, the admin the record, the job ends done; replays send nothing',
    async (statusLeft, order) => {
      const w = world();
      const { jobId, mesh, record, meshVersionId } = await meshThenDeath(w, statusLeft);
      const events = order === 'the record first' ? [record, mesh] : [mesh, record];
      for (const event of events) await notifyObject(event, w.notifyPorts, invocation());
      expect(sent(w)).toEqual(
        order === 'the record first' ? [ADMIN_EMAIL, MESH_EMAIL] : [MESH_EMAIL, ADMIN_EMAIL],
      );
      for (const event of events) {
        expect(await notifyObject(event, w.notifyPorts, invocation())).toMatchObject({ status: 'duplicate' });
      }
      expect(w.emails).toHaveLength(2);
      expect(await statusOf(w, jobId)).toMatchObject({
        state: 'done',
        meshKey: 'users/u1/output/cup.ply',
        meshVersionId,
      });
    },
  );

  it('leaves the user their mesh email when its first attempt failed on a passing SES error and its lock ran out before the record came', async () => {
    const w = world();
    const { mesh, record } = await meshThenDeath(w, 'done');
    const throttled = {
      ...w.notifyPorts,
      mailer: { send: async () => Promise.reject(new Error('Throttling')) },
    };
    await expect(notifyObject(mesh, throttled, invocation())).rejects.toThrow('Throttling');
    const later: NotifyPorts = { ...w.notifyPorts, clock: () => new Date('2026-11-27T03:05:00Z') };
    await notifyObject(record, later, invocation());
    expect(await notifyObject(mesh, later, invocation())).toMatchObject({ status: 'sent', emails: 1 });
    expect(sent(w)).toEqual([ADMIN_EMAIL, MESH_EMAIL]);
  });

  it("tells the user of the failure when the PLY under the name is an earlier job's, not this one's", async () => {
    const w = world();
    const earlier = await meshThenDeath(w, 'done');
    await notifyObject(earlier.mesh, w.notifyPorts, invocation());
    const { jobId } = await startJob(w);
    const { record } = await w.put(`sagemaker-output/failures/${jobId}-error.out`, DIED, {}, 'text/plain');
    await notifyObject(objectOf(record), w.notifyPorts, invocation());
    expect(sent(w).slice(1)).toEqual([FAILURE_EMAIL, ADMIN_EMAIL]);
    expect(await statusOf(w, jobId)).toMatchObject({
      state: 'failed',
      error: { code: 'WorkerCrashedError' },
    });
  });

  it("writes the done status the sidecar did not get to from the mesh and its report: the job's end, versions and figures", async () => {
    const w = world();
    const { jobId, record, meshVersionId } = await meshThenDeath(w, 'reconstructing');
    await notifyObject(record, w.notifyPorts, invocation());
    const reportVersionId = (await w.data.head('users/u1/output/cup.report.json'))!.versionId;
    expect(await statusOf(w, jobId)).toEqual({
      version: 2,
      jobId,
      userId: 'u1',
      name: 'cup',
      state: 'done',
      queuedAt: '2026-11-27T03:00:00.000Z',
      startedAt: '2026-11-27T03:00:00.000Z',
      finishedAt: '2026-11-27T02:59:00.000Z',
      updatedAt: '2026-11-27T03:00:00.000Z',
      meshKey: 'users/u1/output/cup.ply',
      meshVersionId,
      reportVersionId,
      mesh: { vertices: 8, faces: 12, watertight: true },
    });
  });
});
