import { createLogger } from '@gen3d/logging';
import { bindBucket } from '@gen3d/object-store';
import { InMemoryObjectStore } from '@gen3d/object-store/testing';
import { parseJobId, parseUserId } from '@gen3d/s3-keys';
import { buildFailureDocument, JobDocuments } from './documents';
import { notifyObject, notifyStateOf, releaseHeldResults } from './notify';
import { parseNotifyConfig } from './notify-config';
import type { OutgoingEmail } from './ports';
import { addressKeyOf, isAddressConfirmed, jobLink, parseAddressRecordJson, readAddressRecord } from './web';

const BUCKET = 'gen3d-data-bucket';
const WEB = 'https://gen3d.example.com/index.html';
const JOB = parseJobId('0123456789abcdef0123456789abcdef');
const USER = parseUserId('w1');

/** A finished job as the pipeline leaves it: the upload (with its metadata), the request, the report, the mesh. */
async function finishedJob(metadata: Record<string, string>, env: Record<string, string> = {}) {
  const now = new Date('2026-11-27T10:00:00Z');
  const store = new InMemoryObjectStore(() => now);
  const data = bindBucket(store, BUCKET);
  const docs = new JobDocuments(data, () => now);
  const upload = await data.put('users/w1/input/chair-1.png', 'png', { contentType: 'image/png', metadata });
  await docs.writeRequest({
    version: 1,
    jobId: JOB,
    userId: USER,
    input: { bucket: BUCKET, key: 'users/w1/input/chair-1.png', versionId: upload.versionId as string },
    options: { backend: 'inflate', quality: 'standard' },
    requestedAt: now.toISOString(),
  });
  const mesh = await data.put('users/w1/output/chair-1.ply', 'ply', {
    contentType: 'application/octet-stream',
    metadata: docs.meshMetadata(
      { jobId: JOB, backend: 'inflate' },
      { eTag: undefined, versionId: undefined },
    ),
  });
  const sent: OutgoingEmail[] = [];
  const ports = {
    data,
    mailer: { send: async (email: OutgoingEmail) => (sent.push(email), 'id') },
    config: parseNotifyConfig({
      DATA_BUCKET: BUCKET,
      ADMIN_EMAIL: 'admin@example.com',
      SOURCE_EMAIL: 'noreply@example.com',
      ...env,
    }),
    clock: () => now,
  };
  const notify = () =>
    notifyObject(
      {
        bucket: BUCKET,
        key: 'users/w1/output/chair-1.ply',
        size: 3,
        eTag: mesh.eTag,
        versionId: mesh.versionId,
        sequencer: '1',
        eventName: 'ObjectCreated:Put',
        eventTime: now.toISOString(),
      },
      ports,
      { log: createLogger({ service: 'test', level: 'silent' }), remainingTimeMs: () => 10_000 },
    );
  const confirm = (address: string) =>
    data.putJson(addressKeyOf(address), {
      version: 1,
      confirmedAt: now.toISOString(),
      confirmationsSent: [],
      uploadsPerDay: {},
    });
  /** What POST /confirm does to the record (libs/api): sets confirmedAt, keeps the rest, held results included. */
  const confirmLater = async (address: string) => {
    const key = addressKeyOf(address);
    const record = parseAddressRecordJson(await data.getText(key));
    await data.putJson(key, { ...record, confirmedAt: now.toISOString() });
  };
  /** The upload's address record as POST /uploads leaves it: not confirmed. */
  await data.putJson(addressKeyOf(metadata['email'] ?? 'nobody@example.com'), {
    version: 1,
    confirmationsSent: [now.toISOString()],
    uploadsPerDay: { '2026-11-27': 1 },
  });
  const log = createLogger({ service: 'test', level: 'silent' });
  const release = (address: string) =>
    releaseHeldResults(address, ports, { log, remainingTimeMs: () => 10_000 });
  /** The job failed instead: its failure document, as the sidecar writes it, and its notification. */
  const fail = async () => {
    const failure = buildFailureDocument({
      job: { jobId: JOB, userId: USER },
      input: { bucket: BUCKET, key: 'users/w1/input/chair-1.png', versionId: upload.versionId as string },
      stage: 'inference',
      type: 'NoObjectFoundError',
      message: 'no object',
      at: now,
    });
    const written = await data.putJson('users/w1/output/chair-1.failure.json', failure);
    return notifyObject(
      {
        bucket: BUCKET,
        key: 'users/w1/output/chair-1.failure.json',
        size: undefined,
        eTag: written.eTag,
        versionId: written.versionId,
        sequencer: '2',
        eventName: 'ObjectCreated:Put',
        eventTime: now.toISOString(),
      },
      ports,
      { log, remainingTimeMs: () => 10_000 },
    );
  };
  return { data, sent, notify, confirm, confirmLater, release, fail };
}

describe('a result that finished before its address was confirmed', () => {
  const web = { email: 'Ann@Example.com', access: 'tok.sig' };

  it('is held, not dropped: no email, the job listed in the address record, the lock says held', async () => {
    const job = await finishedJob(web, { WEB_URL: WEB });
    expect(await job.notify()).toMatchObject({ status: 'held', jobId: JOB, emails: 0 });
    expect(job.sent).toEqual([]);
    expect((await readAddressRecord(job.data, 'ann@example.com'))?.held).toEqual([
      expect.objectContaining({ jobId: JOB, key: 'users/w1/output/chair-1.ply' }),
    ]);
    expect(await notifyStateOf(job.data, { userId: USER, jobId: JOB })).toBe('held');
    // A redelivered event while still unconfirmed: still held, still one entry.
    expect(await job.notify()).toMatchObject({ status: 'held' });
    expect((await readAddressRecord(job.data, 'ann@example.com'))?.held).toHaveLength(1);
    expect(job.sent).toEqual([]);
  });

  it('is emailed exactly once after confirmation, with the web link; again or redelivered: still once', async () => {
    const job = await finishedJob(web, { WEB_URL: WEB });
    await job.notify();
    // Not confirmed yet: a release sends nothing.
    expect(await job.release('ann@example.com')).toEqual({ sent: 0, alreadySent: 0, pending: 1 });
    await job.confirmLater('ann@example.com');
    expect(await job.release('ann@example.com')).toEqual({ sent: 1, alreadySent: 0, pending: 0 });
    expect(job.sent).toHaveLength(1);
    expect(job.sent[0]?.to).toBe('Ann@Example.com');
    expect(job.sent[0]?.text).toContain(`${WEB}#job=${JOB}&access=tok.sig`);
    expect(await notifyStateOf(job.data, { userId: USER, jobId: JOB })).toBe('sent');
    expect((await readAddressRecord(job.data, 'ann@example.com'))?.held).toEqual([]);
    // Confirmed twice, the event redelivered: nothing more.
    expect(await job.release('ann@example.com')).toEqual({ sent: 0, alreadySent: 0, pending: 0 });
    expect(await job.notify()).toMatchObject({ status: 'duplicate' });
    expect(job.sent).toHaveLength(1);
  });

  it('a redelivered event after the confirmation sends it, and the release then finds it sent', async () => {
    const job = await finishedJob(web, { WEB_URL: WEB });
    await job.notify();
    await job.confirmLater('ann@example.com');
    expect(await job.notify()).toMatchObject({ status: 'sent', emails: 1 });
    expect(await job.release('ann@example.com')).toMatchObject({ sent: 0, pending: 0 });
    expect(job.sent).toHaveLength(1);
  });

  it('a release that died after taking the lock is finished by the next one, once', async () => {
    const job = await finishedJob(web, { WEB_URL: WEB });
    await job.notify();
    await job.confirmLater('ann@example.com');
    const lockKey = `users/w1/jobs/${JOB}/notify.lock`;
    const held = JSON.parse(await job.data.getText(lockKey)) as Record<string, unknown>;
    // The crashed release: lock taken ('sending', heldAt kept), deadline passed, nothing sent.
    await job.data.putJson(lockKey, { ...held, state: 'sending', expiresAt: '2026-11-27T09:59:00.000Z' });
    expect(await job.release('ann@example.com')).toEqual({ sent: 1, alreadySent: 0, pending: 0 });
    expect(job.sent).toHaveLength(1);
  });

  it('a confirmation while the hold is being written: the notify sees it and sends, the release does not', async () => {
    const job = await finishedJob(web, { WEB_URL: WEB });
    const putJson = job.data.putJson.bind(job.data);
    let released: Promise<unknown> | undefined;
    job.data.putJson = async (key, value, conditions) => {
      if (key.endsWith('notify.lock') && (value as { state?: string }).state === 'held' && !released) {
        // Confirmed now, and the confirmation's release finds the lock still being written ('sending').
        await job.confirmLater('ann@example.com');
        released = job.release('ann@example.com');
        expect(await released).toEqual({ sent: 0, alreadySent: 0, pending: 1 });
      }
      return putJson(key, value, conditions);
    };
    expect(await job.notify()).toMatchObject({ status: 'sent', emails: 1 });
    expect(job.sent).toHaveLength(1);
    expect((await readAddressRecord(job.data, 'ann@example.com'))?.held).toEqual([]);
  });

  it('a confirmation before the job ends: the normal email, nothing held', async () => {
    const job = await finishedJob(web, { WEB_URL: WEB });
    await job.confirmLater('ann@example.com');
    expect(await job.notify()).toMatchObject({ status: 'sent', emails: 1 });
    expect(job.sent).toHaveLength(1);
    expect((await readAddressRecord(job.data, 'ann@example.com'))?.held).toBeUndefined();
    expect(await job.release('ann@example.com')).toEqual({ sent: 0, alreadySent: 0, pending: 0 });
    expect(job.sent).toHaveLength(1);
  });

  it('a failure: the admin is told at once, the user after confirmation, each once', async () => {
    const job = await finishedJob(web, { WEB_URL: WEB });
    expect(await job.fail()).toMatchObject({ status: 'held', emails: 1 });
    expect(job.sent.map((e) => e.to)).toEqual(['admin@example.com']);
    await job.confirmLater('ann@example.com');
    expect(await job.release('ann@example.com')).toEqual({ sent: 1, alreadySent: 0, pending: 0 });
    expect(await job.fail()).toMatchObject({ status: 'duplicate' });
    expect(job.sent.map((e) => e.to)).toEqual(['admin@example.com', 'Ann@Example.com']);
    expect(job.sent[1]?.subject).toMatch(/chair-1/);
  });
});

describe('notify and the web API', () => {
  it('does not email results of a web upload to an address nobody confirmed', async () => {
    const job = await finishedJob({ email: 'ann@example.com', access: 'tok.sig' }, { WEB_URL: WEB });
    await job.notify();
    expect(job.sent).toEqual([]);
  });

  it('links a confirmed web upload to its job in the web app, a link that does not expire', async () => {
    const job = await finishedJob({ email: 'Ann@Example.com', access: 'tok.sig' }, { WEB_URL: WEB });
    await job.confirm(' ann@example.com');
    await job.notify();
    expect(job.sent).toHaveLength(1);
    const [email] = job.sent as [OutgoingEmail];
    expect(email.to).toBe('Ann@Example.com');
    expect(email.text).toContain(`${WEB}#job=${JOB}&access=tok.sig`);
    expect(email.text).toMatch(/See it in 3D and download it/);
    expect(email.text).not.toMatch(/before/);
  });

  it('keeps the presigned link where no web URL is configured', async () => {
    const job = await finishedJob({ email: 'ann@example.com', access: 'tok.sig' });
    await job.confirm('ann@example.com');
    await job.notify();
    expect(job.sent[0]?.text).toMatch(/Download it \(PLY\) before .*\nmemory:\/\//);
  });

  it('trusts uploads written with the bucket credentials (CLI, operators): no token, no confirmation needed', async () => {
    const job = await finishedJob({ email: 'ops@example.com' }, { WEB_URL: WEB });
    await job.notify();
    expect(job.sent).toHaveLength(1);
    expect(job.sent[0]?.text).toContain('memory://');
  });

  it('reads an unreadable address record as unconfirmed', async () => {
    const job = await finishedJob({});
    await job.data.put(addressKeyOf('ann@example.com'), '{"version":1,"confirmedAt":3}', {
      contentType: 'application/json',
    });
    expect(await isAddressConfirmed(job.data, 'ann@example.com')).toBe(false);
    expect(jobLink('http://127.0.0.1:4300/', 'j1', 'a b')).toBe('http://127.0.0.1:4300/#job=j1&access=a%20b');
  });

  it('refuses a WEB_URL that is not an http(s) URL', () => {
    const env = { DATA_BUCKET: BUCKET, ADMIN_EMAIL: 'a@example.com', SOURCE_EMAIL: 'b@example.com' };
    expect(() => parseNotifyConfig({ ...env, WEB_URL: 'javascript:alert(1)' })).toThrow(/WEB_URL/);
    expect(parseNotifyConfig({ ...env, WEB_URL: WEB }).webUrl).toBe(WEB);
    expect(parseNotifyConfig(env).webUrl).toBeUndefined();
  });
});
