import { createLogger } from '@gen3d/logging';
import { bindBucket } from '@gen3d/object-store';
import { InMemoryObjectStore } from '@gen3d/object-store/testing';
import { buildMeshFileKey, MAX_NAME_LENGTH, parseJobId, parseUserId } from '@gen3d/s3-keys';
import { buildFailureDocument, JobDocuments } from './documents';
import { notifyObject, notifyStateOf, releaseHeldResults } from './notify';
import { parseNotifyConfig } from './notify-config';
import type { OutgoingEmail } from './ports';
import {
  acceptedOn,
  addressHashOf,
  addressKeyOf,
  changeAddressRecord,
  confirmAddress,
  countAcceptedUpload,
  holdResult,
  isAddressConfirmed,
  jobLink,
  mailboxOf,
  MAX_ADDRESS_RECORD_BYTES,
  MAX_HELD_RESULTS,
  readAddressRecord,
} from './web';

const BUCKET = 'gen3d-data-bucket';
const WEB = 'https://gen3d.example.com/index.html';
const JOB = parseJobId('0123456789abcdef0123456789abcdef');
const USER = parseUserId('w1');

/** A finished job as the pipeline leaves it: the upload (with its metadata), the request, the report, the mesh. */
async function finishedJob(
  metadata: Record<string, string>,
  env: Record<string, string> = {},
  world?: { data: ReturnType<typeof bindBucket>; now: Date },
  user = 'w1',
) {
  const now = world?.now ?? new Date('2026-11-27T10:00:00Z');
  const data = world?.data ?? bindBucket(new InMemoryObjectStore(() => now), BUCKET);
  const docs = new JobDocuments(data, () => now);
  const USER = parseUserId(user);
  const upload = await data.put(`users/${user}/input/chair-1.png`, 'png', {
    contentType: 'image/png',
    metadata,
  });
  await docs.writeRequest({
    version: 1,
    jobId: JOB,
    userId: USER,
    input: { bucket: BUCKET, key: `users/${user}/input/chair-1.png`, versionId: upload.versionId as string },
    options: { backend: 'inflate', quality: 'standard' },
    requestedAt: now.toISOString(),
  });
  const mesh = await data.put(`users/${user}/output/chair-1.ply`, 'ply', {
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
        key: `users/${user}/output/chair-1.ply`,
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
  /** What POST /confirm does to the record (libs/api): this session confirmed, the rest (held results) kept. */
  const confirm = (address: string, by: string = user) => confirmAddress(data, address, by, now);
  const confirmLater = confirm;
  /** The upload's address record as POST /uploads leaves it: not confirmed, a confirmation email sent. */
  if (!world) {
    await data.putJson(addressKeyOf(metadata['email'] ?? 'nobody@example.com'), {
      version: 2,
      confirmations: [],
      sends: [{ userId: user, address: addressHashOf(metadata['email'] ?? 'x'), at: now.toISOString() }],
      acceptedPerDay: { '2026-11-27': [JOB] },
      held: [],
    });
  }
  const log = createLogger({ service: 'test', level: 'silent' });
  const release = (address: string, by: string = user) =>
    releaseHeldResults({ address, userId: by }, ports, { log, remainingTimeMs: () => 10_000 });
  /** The job failed instead: its failure document, as the sidecar writes it, and its notification. */
  const fail = async () => {
    const failure = buildFailureDocument({
      job: { jobId: JOB, userId: USER },
      input: {
        bucket: BUCKET,
        key: `users/${user}/input/chair-1.png`,
        versionId: upload.versionId as string,
      },
      stage: 'inference',
      type: 'NoObjectFoundError',
      message: 'no object',
      at: now,
    });
    const written = await data.putJson(`users/${user}/output/chair-1.failure.json`, failure);
    return notifyObject(
      {
        bucket: BUCKET,
        key: `users/${user}/output/chair-1.failure.json`,
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
  return { data, now, sent, notify, confirm, confirmLater, release, fail };
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
    expect((await readAddressRecord(job.data, 'ann@example.com'))?.held).toEqual([]);
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
    expect(job.sent[1]?.subject).toBe('We could not make your 3D model');
    expect(job.sent[1]?.text).toContain('"chair-1.png"');
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
    expect(await isAddressConfirmed(job.data, 'ann@example.com', 'w1')).toBe(false);
    expect(jobLink('http://127.0.0.1:4300/', 'j1', 'a b')).toBe('http://127.0.0.1:4300/#job=j1&access=a%20b');
  });

  it('refuses a WEB_URL that is not an http(s) URL', () => {
    const env = { DATA_BUCKET: BUCKET, ADMIN_EMAIL: 'a@example.com', SOURCE_EMAIL: 'b@example.com' };
    expect(() => parseNotifyConfig({ ...env, WEB_URL: 'javascript:alert(1)' })).toThrow(/WEB_URL/);
    expect(parseNotifyConfig({ ...env, WEB_URL: WEB }).webUrl).toBe(WEB);
    expect(parseNotifyConfig(env).webUrl).toBeUndefined();
  });
});

describe('a confirmation is bound to the session that asked for it (decision 0025)', () => {
  const stranger = { email: 'Ann@Example.com', access: 'tok.stranger' };
  const owner = { email: 'ann@example.com', access: 'tok.owner' };

  it("releases only the confirmer's own held results: a stranger's result for the same address stays held", async () => {
    const theirs = await finishedJob(stranger, { WEB_URL: WEB }, undefined, 'wStranger');
    expect(await theirs.notify()).toMatchObject({ status: 'held' });
    const world = { data: theirs.data, now: theirs.now };
    const mine = await finishedJob(owner, { WEB_URL: WEB }, world, 'wOwner');
    expect(await mine.notify()).toMatchObject({ status: 'held' });
    // The owner confirms for their own session (the link sent for their picture).
    await mine.confirm('ann@example.com', 'wOwner');
    expect(await mine.release('ann@example.com', 'wOwner')).toEqual({ sent: 1, alreadySent: 0, pending: 0 });
    expect(mine.sent.map((e) => e.text.includes('tok.owner'))).toEqual([true]);
    // The stranger's result is still held; a release for the stranger's session sends nothing: not confirmed.
    expect(theirs.sent).toEqual([]);
    expect(await theirs.release('ann@example.com', 'wStranger')).toEqual({
      sent: 0,
      alreadySent: 0,
      pending: 1,
    });
    expect(theirs.sent).toEqual([]);
    expect((await readAddressRecord(theirs.data, 'ann@example.com'))?.held).toEqual([
      expect.objectContaining({ userId: 'wStranger' }),
    ]);
  });

  it('a confirmed address receives results only from the sessions it confirmed', async () => {
    const mine = await finishedJob(owner, { WEB_URL: WEB }, undefined, 'wOwner');
    await mine.confirm('ann@example.com', 'wOwner');
    const theirs = await finishedJob(
      stranger,
      { WEB_URL: WEB },
      { data: mine.data, now: mine.now },
      'wStranger',
    );
    expect(await theirs.notify()).toMatchObject({ status: 'held' });
    expect(theirs.sent).toEqual([]);
    expect(await mine.notify()).toMatchObject({ status: 'sent', emails: 1 });
    expect(mine.sent[0]?.subject).toBe('Your 3D model is ready');
  });

  it('confirms the exact address: another spelling of the same mailbox is not confirmed by it', async () => {
    const job = await finishedJob(owner, { WEB_URL: WEB });
    await job.confirm('ann+news@example.com', 'w1');
    expect(await isAddressConfirmed(job.data, 'ann+news@example.com', 'w1')).toBe(true);
    expect(await isAddressConfirmed(job.data, 'ann@example.com', 'w1')).toBe(false);
    expect(await isAddressConfirmed(job.data, 'ann+news@example.com', 'w2')).toBe(false);
  });
});

describe('mailboxes and the daily cap', () => {
  it('counts plus-tags and dots as one mailbox', () => {
    expect(mailboxOf('A.nn+promo@Example.com')).toBe('ann@example.com');
    expect(mailboxOf('ann@googlemail.com')).toBe('ann@gmail.com');
    expect(addressKeyOf('a.n.n+1@example.com')).toBe(addressKeyOf('ANN+2@example.com'));
  });

  it('counts each accepted job once, and refuses past the cap', async () => {
    const job = await finishedJob({});
    const day = '2026-11-27';
    const now = new Date('2026-11-27T10:00:00Z');
    for (const userId of ['w1', 'w2']) await confirmAddress(job.data, 'x@example.com', userId, now);
    for (const jobId of ['j1', 'j2', 'j2', 'j1']) {
      const upload = { jobId, userId: 'w1', day, cap: 2 };
      expect(await countAcceptedUpload(job.data, 'X@example.com', upload)).toBe('accepted');
    }
    // The mailbox's count is shared by its confirmed sessions.
    const third = { jobId: 'j3', userId: 'w2', day, cap: 2 };
    expect(await countAcceptedUpload(job.data, 'x@example.com', third)).toBe('over-cap');
    expect((await readAddressRecord(job.data, 'x@example.com'))?.acceptedPerDay[day]).toEqual(['j1', 'j2']);
  });

  it("counts a session not confirmed for the mailbox on its own: a stranger never uses up the owner's cap", async () => {
    const job = await finishedJob({});
    const day = '2026-11-27';
    await confirmAddress(job.data, 'ann@example.com', 'owner', new Date('2026-11-27T10:00:00Z'));
    for (const [jobId, address] of [
      ['s1', 'A.nn+promo@example.com'],
      ['s2', 'ANN@example.com'],
    ] as const) {
      const upload = { jobId, userId: 'stranger', day, cap: 2 };
      expect(await countAcceptedUpload(job.data, address, upload)).toBe('accepted');
    }
    const past = { jobId: 's3', userId: 'stranger', day, cap: 2 };
    expect(await countAcceptedUpload(job.data, 'ann@example.com', past)).toBe('over-cap');
    const owners = { jobId: 'o1', userId: 'owner', day, cap: 2 };
    expect(await countAcceptedUpload(job.data, 'ann@example.com', owners)).toBe('accepted');
    const record = await readAddressRecord(job.data, 'ann@example.com');
    expect(record?.acceptedPerDay[day]).toEqual(['o1']);
    expect(record?.unconfirmedPerDay).toEqual({ stranger: { [day]: ['s1', 's2'] } });
    expect(acceptedOn(record, day, { address: 'ann@example.com', userId: 'owner' })).toBe(1);
    expect(acceptedOn(record, day, { address: 'ann@example.com', userId: 'stranger' })).toBe(2);
  });
});

describe('the held list', () => {
  const hold = (data: ReturnType<typeof bindBucket>, userId: string, n: number, heldAt: string) =>
    holdResult(data, 'ann@example.com', {
      jobId: `${userId}-${n}`,
      key: `users/${userId}/jobs/${userId}-${n}/mesh.ply`,
      heldAt,
      userId,
    });

  it("caps each session's held results on its own: a stranger's many never push out the owner's", async () => {
    const data = bindBucket(new InMemoryObjectStore(), BUCKET);
    await hold(data, 'owner', 0, '2026-11-27T10:00:00.000Z');
    for (let n = 0; n < MAX_HELD_RESULTS + 10; n += 1)
      await hold(data, 'stranger', n, '2026-11-27T10:01:00.000Z');
    const held = (await readAddressRecord(data, 'ann@example.com'))?.held ?? [];
    expect(held.filter((h) => h.userId === 'owner').map((h) => h.jobId)).toEqual(['owner-0']);
    const theirs = held.filter((h) => h.userId === 'stranger').map((h) => h.jobId);
    expect(theirs).toHaveLength(MAX_HELD_RESULTS);
    expect(theirs[0]).toBe('stranger-10'); // its own oldest went
  });

  it("stays under the record's size limit at worst: the largest unconfirmed sessions' oldest go, not the owner's", async () => {
    const data = bindBucket(new InMemoryObjectStore(), BUCKET);
    const ann = 'ann@example.com';
    // Longest stored entries: user ids of 64 characters, names of MAX_NAME_LENGTH characters, quotes (JSON doubles each one).
    const longest = (userId: string, n: number) => {
      const name = `${'"'.repeat(MAX_NAME_LENGTH - 9)}-${String(n).padStart(8, '0')}`;
      const jobId = `${'f'.repeat(56)}${String(n).padStart(8, '0')}`;
      const key = buildMeshFileKey({ userId, name }, 'ply').replace(/\.ply$/, '.failure.json');
      return { jobId, key, versionId: 'v'.repeat(64), heldAt: '2026-11-27T10:00:00.000Z', userId };
    };
    // A session confirmed after its results were held (their release not done yet), and the owner's, not yet confirmed.
    for (let n = 0; n < MAX_HELD_RESULTS; n += 1)
      await holdResult(data, ann, longest('confirmed'.padEnd(64, 'c'), n));
    await confirmAddress(data, ann, 'confirmed'.padEnd(64, 'c'), new Date('2026-11-27T10:00:00Z'));
    await holdResult(data, ann, longest('owner'.padEnd(64, 'o'), 0));
    // Every session a mailbox's confirmation budget lets hold (3 a day, links working 7 days, entries 7 more), full.
    const strangers = Array.from({ length: 42 }, (_, s) => `stranger${s}`.padEnd(64, 's'));
    for (let n = 0; n < MAX_HELD_RESULTS; n += 1) {
      for (const userId of strangers) await holdResult(data, ann, longest(userId, n));
    }
    expect((await data.head(addressKeyOf(ann)))?.size).toBeLessThanOrEqual(MAX_ADDRESS_RECORD_BYTES);
    const held = (await readAddressRecord(data, ann))?.held ?? [];
    expect(held.filter((h) => h.userId.startsWith('owner')).map((h) => h.jobId)).toEqual([
      longest('o', 0).jobId,
    ]);
    expect(held.filter((h) => h.userId.startsWith('confirmed'))).toHaveLength(MAX_HELD_RESULTS);
    // Each stranger keeps its newest few, as many as the others give or take one.
    const counts = strangers.map((userId) => held.filter((h) => h.userId === userId).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(Math.min(...counts)).toBeGreaterThan(0);
    const last = held.filter((h) => h.userId === strangers[0]).pop();
    expect(last?.jobId).toBe(longest('s', MAX_HELD_RESULTS - 1).jobId);
  }, 60_000);

  it('reads a record over its size limit as none, and the next change replaces it (no lasting 500s)', async () => {
    const data = bindBucket(new InMemoryObjectStore(), BUCKET);
    const ann = 'ann@example.com';
    await data.putJson(addressKeyOf(ann), { version: 2, padding: 'x'.repeat(MAX_ADDRESS_RECORD_BYTES) });
    expect(await readAddressRecord(data, ann)).toBeUndefined();
    expect(await isAddressConfirmed(data, ann, 'owner')).toBe(false);
    await confirmAddress(data, ann, 'owner', new Date('2026-11-27T10:00:00Z'));
    expect(await isAddressConfirmed(data, ann, 'owner')).toBe(true);
  });

  it("keeps a result held while its session's latest confirmation link works, though held longer", async () => {
    const data = bindBucket(new InMemoryObjectStore(), BUCKET);
    const sendTo = (userId: string, address: string, at: string) =>
      changeAddressRecord(data, 'ann@example.com', (current) => ({
        ...current,
        sends: [...current.sends, { userId, address: addressHashOf(address), at }],
      }));
    await hold(data, 'owner', 0, '2026-11-20T09:00:00.000Z');
    await hold(data, 'other', 0, '2026-11-20T09:00:00.000Z');
    // Day 8: the owner's session uploads again and gets a second link; another session's link to another spelling.
    await sendTo('owner', 'ann@example.com', '2026-11-28T08:00:00.000Z');
    await sendTo('other', 'a.nn@example.com', '2026-11-28T08:00:00.000Z');
    await hold(data, 'stranger', 0, '2026-11-28T10:00:00.000Z');
    const held = async () =>
      ((await readAddressRecord(data, 'ann@example.com'))?.held ?? []).map((h) => h.jobId);
    expect(await held()).toEqual(['owner-0', 'stranger-0']);
    // Once that second link expired too, the result goes.
    await hold(data, 'stranger', 1, '2026-12-05T08:00:01.000Z');
    expect(await held()).toEqual(['stranger-0', 'stranger-1']);
  });

  it('forgets results held longer than a confirmation link works (seven days)', async () => {
    const data = bindBucket(new InMemoryObjectStore(), BUCKET);
    await hold(data, 'owner', 0, '2026-11-20T09:00:00.000Z');
    await hold(data, 'owner', 1, '2026-11-21T11:00:00.000Z');
    await hold(data, 'stranger', 0, '2026-11-28T10:00:00.000Z');
    const held = (await readAddressRecord(data, 'ann@example.com'))?.held ?? [];
    expect(held.map((h) => h.jobId)).toEqual(['owner-1', 'stranger-0']);
  });
});
