import { jobReportOf } from '@gen3d/events/testing';
import { THUMBNAIL_CID } from './emails';
import { BUCKET, coreWorld, invocation, objectOf, PNG } from './fixtures/core-world';
import { notifyObject } from './notify';

// Issue 19: the job's pictures, written by the sidecar before the report (JobDocuments.writeResultImage), and the
// thumbnail inside the result email at the version the report names; the retention said in the email.
const world = () => coreWorld(new Date('2026-12-06T10:00:00Z'));
const INPUT = { kind: 'input' as const, key: 'users/u1/input/cup.png', userId: 'u1' as never, name: 'cup' };
/** A PNG's signature and a few bytes more: what the notify core checks before it shows a picture. */
const THUMB = Uint8Array.from([...PNG, 1, 2, 3]);

/** The report of user u1's cup job naming these pictures, finished a minute before the test's now. */
function reportOf(upload: { key: string; versionId?: string | undefined }, images: unknown[]) {
  return jobReportOf({
    jobId: '0123456789abcdef',
    input: { bucket: BUCKET, key: upload.key, versionId: upload.versionId },
    output: { bucket: BUCKET, meshKey: 'users/u1/output/cup.ply', bytes: 4, images },
    finishedAt: '2026-12-06T09:59:00Z',
  } as never);
}

/** A finished job whose report names these pictures; answers the email its mesh sent. */
async function finishedJob(
  w: ReturnType<typeof world>,
  images: (report: { thumbVersion: string | undefined }) => unknown[],
  options: { retentionDays?: number } = {},
) {
  const { record: upload } = await w.put('users/u1/input/cup.png', PNG, { email: 'c@example.com' });
  const thumb = await w.docs.writeResultImage(
    INPUT,
    { jobId: '0123456789abcdef' },
    {
      image: 'thumbnail',
      bytes: THUMB,
    },
  );
  // A later picture under the same key (a second job of the same name) must not be shown for this one.
  await w.data.put(thumb.key, Uint8Array.from([...PNG, 9, 9]), { contentType: 'image/png' });
  const report = reportOf(upload, images({ thumbVersion: thumb.versionId }));
  const { record: mesh } = await w.storeResult(report);
  const ports =
    options.retentionDays === undefined
      ? w.notifyPorts
      : { ...w.notifyPorts, config: { ...w.notifyPorts.config, retentionDays: options.retentionDays } };
  expect(await notifyObject(objectOf(mesh), ports, invocation())).toMatchObject({
    status: 'sent',
    emails: 1,
  });
  return { email: w.emails[0]!, thumb };
}

describe('the result pictures', () => {
  it('are written next to the mesh as PNGs naming their job, with the version the report will name', async () => {
    const w = world();
    const mask = await w.docs.writeResultImage(
      INPUT,
      { jobId: '0123456789abcdef' },
      { image: 'mask', bytes: THUMB },
    );
    expect(mask).toEqual({
      image: 'mask',
      key: 'users/u1/output/cup.mask.png',
      bytes: THUMB.length,
      versionId: mask.versionId,
    });
    expect(mask.versionId).toBeTruthy();
    const head = await w.data.head(mask.key, mask.versionId);
    expect(head).toMatchObject({ contentType: 'image/png', metadata: { 'job-id': '0123456789abcdef' } });
  });
});

describe('the result email with its thumbnail', () => {
  it('carries the thumbnail the report names, at its version, as an inline picture the HTML shows', async () => {
    const w = world();
    const { email, thumb } = await finishedJob(w, ({ thumbVersion }) => [
      {
        image: 'thumbnail',
        key: 'users/u1/output/cup.thumb.png',
        bytes: THUMB.length,
        versionId: thumbVersion,
      },
    ]);
    expect(thumb.key).toBe('users/u1/output/cup.thumb.png');
    expect(email.inlineImages).toEqual([
      { cid: THUMBNAIL_CID, contentType: 'image/png', bytes: THUMB, fileName: 'thumbnail.png' },
    ]);
    expect(email.html).toContain(`<img src="cid:${THUMBNAIL_CID}"`);
    expect(email.html).not.toMatch(/<img src="(https?|memory):/);
    expect(email.text).toContain('A picture of the model is in this email');
  });

  it.each([
    ['names none (a job of an older sidecar)', () => []],
    [
      'names a missing version',
      () => [{ image: 'thumbnail', key: 'users/u1/output/cup.thumb.png', bytes: 1, versionId: 'gone' }],
    ],
    [
      'names a picture of another user',
      () => [{ image: 'thumbnail', key: 'users/u2/output/cup.thumb.png', bytes: 1 }],
    ],
    [
      'names the mask only',
      ({ thumbVersion }: { thumbVersion: string | undefined }) => [
        { image: 'mask', key: 'users/u1/output/cup.thumb.png', bytes: 1, versionId: thumbVersion },
      ],
    ],
  ])('goes out without a picture when the report %s', async (_case, images) => {
    const w = world();
    const { email } = await finishedJob(w, images as never);
    expect(email.inlineImages).toBeUndefined();
    expect(email.html).not.toContain('<img');
    expect(email.text).not.toContain('A picture of the model');
  });

  it('leaves out a picture that is not a PNG', async () => {
    const w = world();
    const { record: upload } = await w.put('users/u1/input/cup.png', PNG, { email: 'c@example.com' });
    const fake = await w.data.put('users/u1/output/cup.thumb.png', '<svg onload=alert(1)>', {
      contentType: 'image/png',
    });
    const report = reportOf(upload, [
      { image: 'thumbnail', key: 'users/u1/output/cup.thumb.png', bytes: 21, versionId: fake.versionId! },
    ]);
    const { record: mesh } = await w.storeResult(report);
    await notifyObject(objectOf(mesh), w.notifyPorts, invocation());
    expect(w.emails[0]?.inlineImages).toBeUndefined();
  });

  it('says until when the files are kept: the retention counted from when the job finished', async () => {
    const w = world();
    const { email } = await finishedJob(w, () => [], { retentionDays: 30 });
    // finishedAt 2026-12-06T09:59Z + 30 days.
    expect(email.text).toContain('Your files are kept until 5 January 2027');
    expect(email.html).toContain('Your files are kept until 5 January 2027');
    const shorter = world();
    expect((await finishedJob(shorter, () => [], { retentionDays: 1 })).email.text).toContain(
      'kept until 7 December 2026',
    );
  });
});
