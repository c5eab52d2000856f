import { jobReportOf, reportOutputOf, workerReportOf } from '@gen3d/events/testing';
import { extractObject } from './extract';
import { BUCKET, coreWorld, invocation, objectOf, PNG } from './fixtures/core-world';
import { notifyObject } from './notify';

// Issue 12 through the cores: prompts, formats and decimation from the upload's metadata into the request; the
// extra formats linked from the mesh email; a bad option ending in one clear email.
const world = () => coreWorld(new Date('2026-11-27T04:00:00Z'));

describe('issue 12 options through the extract core', () => {
  it('carries prompts, formats and the face budget from the metadata into the request', async () => {
    const w = world();
    const { record } = await w.put('users/u1/input/chair.png', PNG, {
      email: 'a@example.com',
      formats: 'glb,stl',
      'target-faces': '5000',
      box: '10,20,300,400',
      points: '50,60,1;5,5,0',
      point: '70,80',
    });
    const outcome = await extractObject(objectOf(record), w.extractPorts, invocation());
    expect(outcome.status).toBe('started');
    const request = await w.docs.findRequest((outcome as { jobId: string }).jobId as never);
    expect(request?.options).toEqual({
      backend: 'inflate',
      quality: 'standard',
      formats: ['ply', 'glb', 'stl'],
      targetFaces: 5000,
      box: { x0: 10, y0: 20, x1: 300, y1: 400 },
      points: [
        { x: 50, y: 60, label: 1 },
        { x: 5, y: 5, label: 0 },
      ],
      point: { x: 70, y: 80 },
    });
  });

  it.each([
    ['target-faces', '10', /target-faces: Too small/],
    ['formats', 'glb,fbx', /formats/],
    ['box', '300,20,10,400', /x1 > x0 and y1 > y0/],
    ['points', '1,2,7', /expected "x,y,label/],
  ])('refuses a bad %s (%s) with a failure whose email says what was wrong', async (field, value, reason) => {
    const w = world();
    const { record } = await w.put('users/u1/input/chair.png', PNG, {
      email: 'a@example.com',
      [field]: value,
    });
    const outcome = await extractObject(objectOf(record), w.extractPorts, invocation());
    expect(outcome).toMatchObject({ status: 'rejected', errorType: 'InvalidRequestError' });
    const failureRecord = w.created.find((o) => o.key === 'users/u1/output/chair.failure.json')!;
    await notifyObject(objectOf(failureRecord), w.notifyPorts, invocation());
    const user = w.emails.find((e) => e.to === 'a@example.com')!;
    expect(user.text).toContain('The request for this job was malformed. What was wrong:');
    expect(user.text).toMatch(reason);
    expect(user.text).toContain('Please upload the picture again with corrected options.');
    expect(w.emails.map((e) => e.to).sort()).toEqual(['a@example.com', 'admin@example.com']);
  });
});

describe('the mesh email with extra formats', () => {
  /** A job whose object was found by segmentation, with this seeding and score. */
  async function finishedJob(
    w: ReturnType<typeof world>,
    segmentation: { hypothesis: string; score: number },
  ) {
    const { record: upload } = await w.put('users/u1/input/cup.png', PNG, { email: 'c@example.com' });
    const glb = await w.put('users/u1/output/cup.glb', 'glTF-bytes');
    const stl = await w.put('users/u1/output/cup.stl', 'stl-bytes!');
    // What an older, overwritten GLB must not be confused with: a later write under the same key.
    await w.put('users/u1/output/cup.glb', 'a later glb');
    const jobId = '0123456789abcdef';
    const report = jobReportOf({
      jobId,
      input: { bucket: BUCKET, key: upload.key, versionId: upload.versionId },
      output: reportOutputOf(BUCKET, 'users/u1/output/cup.ply', [
        { format: 'glb', key: 'users/u1/output/cup.glb', bytes: 10, versionId: glb.written.versionId! },
        { format: 'stl', key: 'users/u1/output/cup.stl', bytes: 10, versionId: stl.written.versionId! },
        // A report naming a key outside this job's files is not followed.
        { format: 'obj', key: 'users/u2/output/secret.obj', bytes: 1 },
      ]),
      worker: workerReportOf({ mask: { source: 'segmentation', area: 100, ...segmentation } }),
    });
    const { record: mesh } = await w.storeResult(report);
    await notifyObject(objectOf(mesh), w.notifyPorts, invocation());
    expect(w.emails).toHaveLength(1);
    return w.emails[0]!;
  }

  it('links every format made, each downloading the version this job wrote', async () => {
    const w = world();
    const email = await finishedJob(w, { hypothesis: 'border', score: 1.2 });
    const links = email.text.match(/memory:\S+/g) ?? [];
    expect(links).toHaveLength(3); // PLY, GLB, STL; not the foreign OBJ
    const bodies = links.map((link) => {
      const fetched = w.store.fetchLink(link);
      return fetched.status === 200 ? Buffer.from(fetched.body).toString('utf8') : `HTTP ${fetched.status}`;
    });
    expect(bodies).toEqual(['ply\n', 'glTF-bytes', 'stl-bytes!']);
    expect(email.text).toContain('GLB (the web, AR viewers, Blender):');
    expect(email.text).toContain('STL (3D printing, no colour):');
    expect(email.text).toContain('Also: cup.glb, 1 kB');
    expect(email.html).toContain('>cup.glb</a>');
    expect(email.text).not.toContain('secret');
    expect(email.text).not.toContain('outline');
  });

  it('says when the automatic outline is doubtful, and suggests a point or a box', async () => {
    const w = world();
    const email = await finishedJob(w, { hypothesis: 'saliency', score: 0.31 });
    expect(email.text).toContain('Object outline: doubtful (score 0.31; 0.5 or more is good)');
    expect(email.text).toContain('a click on it (a point), or a box around it');
    expect(email.html).toContain('a click on it (a point), or a box around it');
  });
});
