import { createLogger } from '@gen3d/logging';
import { bindBucket } from '@gen3d/object-store';
import { InMemoryObjectStore } from '@gen3d/object-store/testing';
import { parseJobId, parseUserId } from '@gen3d/s3-keys';
import { JobDocuments } from './documents';
import { notifyObject } from './notify';
import { parseNotifyConfig } from './notify-config';
import type { OutgoingEmail } from './ports';
import { addressKeyOf, isAddressConfirmed, jobLink } from './web';

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
  return { data, sent, notify, confirm };
}

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
