import { extractObject, parseExtractConfig, readAddressRecord } from '@gen3d/jobs';
import { createLogger } from '@gen3d/logging';
import { buildJobDocumentKey } from '@gen3d/s3-keys';
import type { OutgoingEmail } from './emails';
import { BUCKET, finishGranted, setup } from './fixtures/api-world';

// Who can make Gen3D send what to whom (decision 0025), tried as strangers would, each with sessions of their own.

type Api = ReturnType<typeof setup>;
const silent = createLogger({ service: 'api-test', level: 'silent' });
const PNG_BYTES = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
]);

const finish = (
  api: Api,
  session: { userId: string },
  granted: { name: string; key: string },
  jobId: string,
) => finishGranted(api, session.userId, granted, jobId);

const confirmLinkOf = (email: OutgoingEmail) =>
  decodeURIComponent(/#confirm=(\S+)/.exec(email.text)?.[1] as string);

describe('one upload grant is one job', () => {
  it('the same signed form posted twice (two versions of its key) starts one job in the extract core', async () => {
    const api = setup();
    const { token } = await api.session();
    const granted = (await api.upload(token)).json as { key: string };
    const metadata = api.signed.find((s) => s.key === granted.key)?.options.metadata ?? {};
    const invoked: unknown[] = [];
    const ports = {
      data: api.data,
      invoker: { invokeAsync: async (i: unknown) => (invoked.push(i), { outputLocation: undefined }) },
      config: parseExtractConfig({ SAGEMAKER_ENDPOINT_NAME: 'e', DATA_BUCKET: BUCKET }),
      clock: () => new Date('2026-11-27T10:00:00Z'),
    };
    const outcomes = [];
    for (let post = 0; post < 2; post += 1) {
      const written = await api.data.put(granted.key, PNG_BYTES, { contentType: 'image/png', metadata });
      const object = {
        bucket: BUCKET,
        key: granted.key,
        size: PNG_BYTES.length,
        eTag: written.eTag,
        versionId: written.versionId,
        sequencer: String(post),
        eventName: 'ObjectCreated:Post',
        eventTime: '2026-11-27T10:00:00Z',
      };
      outcomes.push(await extractObject(object, ports, { log: silent, remainingTimeMs: () => 30_000 }));
    }
    expect(outcomes.map((o) => o.status)).toEqual(['started', 'replayed']);
    expect(invoked).toHaveLength(1);
  });
});

describe('a confirmation releases only the confirmer’s own results', () => {
  it('a stranger’s results queued for an unconfirmed address are not sent when its owner confirms for their picture', async () => {
    const api = setup({ CONFIRMATION_EMAILS_PER_DAY: '10', MAX_ACTIVE_JOBS_PER_USER: '20' });
    const stranger = await api.session();
    const jobIds: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const fileName = 'Your invoice is overdue pay at evil dot example.png';
      const granted = (await api.upload(stranger.token, { fileName, email: 'ann@example.com' })).json as {
        name: string;
        key: string;
      };
      const jobId = `${'a'.repeat(31)}${i}`;
      jobIds.push(jobId);
      expect((await finish(api, stranger, granted, jobId)).outcome).toMatchObject({ status: 'held' });
    }
    const owner = await api.session();
    const mine = (await api.upload(owner.token, { fileName: 'vase.png', email: 'ann@example.com' })).json as {
      name: string;
      key: string;
    };
    await finish(api, owner, mine, 'b'.repeat(32));
    const confirmation = api.sent
      .filter((e) => e.subject === 'Confirm your address for Gen3D')
      .pop() as OutgoingEmail;
    // The confirmation says which picture it confirms.
    expect(confirmation.text).toContain(`"${mine.name}.png"`);
    api.sent.length = 0;
    const confirmed = await api.call({
      method: 'POST',
      path: '/confirm',
      body: JSON.stringify({ token: confirmLinkOf(confirmation) }),
    });
    expect(confirmed.json).toEqual({ confirmed: true, results: { emailed: 1, waiting: 0 } });
    expect(api.sent).toHaveLength(1);
    expect(api.sent[0]?.subject).toBe('Your 3D model is ready');
    expect(api.sent[0]?.text).toContain(`"${mine.name}.png"`);
    expect(api.sent[0]?.text).not.toContain('invoice');
    // The stranger's results stay held for their own session, which nobody confirmed.
    const held = (await readAddressRecord(api.data, 'ann@example.com'))?.held ?? [];
    expect(held.map((h) => h.jobId).sort()).toEqual(jobIds.sort());
    for (const jobId of jobIds) {
      const view = await api.call({ method: 'GET', path: `/jobs/${jobId}` }, stranger.token);
      expect(view.json['job']).toMatchObject({ email: 'held' });
    }
  });

  it('a confirmed address receives results only from the sessions it confirmed', async () => {
    const api = setup();
    const owner = await api.session();
    const mine = (await api.upload(owner.token)).json as { name: string; key: string };
    await api.call({
      method: 'POST',
      path: '/confirm',
      body: JSON.stringify({ token: confirmLinkOf(api.sent[0] as OutgoingEmail) }),
    });
    const stranger = await api.session();
    const grant = await api.upload(stranger.token, { fileName: 'Click here to claim.png' });
    expect(grant.json['address']).toEqual({ confirmed: false, confirmation: 'sent' });
    const theirs = await finish(api, stranger, grant.json as { name: string; key: string }, 'c'.repeat(32));
    expect(theirs.outcome).toMatchObject({ status: 'held' });
    expect(theirs.mails).toEqual([]);
    const ours = await finish(api, owner, mine, 'd'.repeat(32));
    expect(ours.outcome).toMatchObject({ status: 'sent' });
    expect(ours.mails.map((m) => m.subject)).toEqual(['Your 3D model is ready']);
  });
});

describe('confirmation emails have a budget', () => {
  it('per session: a few distinct mailboxes a day, then 429; other spellings of a mailbox count as that mailbox', async () => {
    const api = setup({ MAX_ACTIVE_JOBS_PER_USER: '50', CONFIRMATION_ADDRESSES_PER_SESSION: '2' });
    const { token } = await api.session();
    expect((await api.upload(token, { email: 'ann@example.com' })).status).toBe(201);
    expect((await api.upload(token, { email: 'bob@example.com' })).status).toBe(201);
    const third = await api.upload(token, { email: 'carol@example.com' });
    expect(third.status).toBe(429);
    expect(third.json['error']['code']).toBe('too-many-addresses');
    // Other spellings of the same two mailboxes: not new mailboxes, and no second link within ten minutes (a spelling
    // with no link of its own waits: 429; the spelling that has one uploads on it).
    expect((await api.upload(token, { email: 'Ann@Example.com' })).status).toBe(201);
    for (const email of ['a.nn+1@example.com', 'b.o.b+x@example.com']) {
      const waiting = await api.upload(token, { email });
      expect([waiting.status, waiting.json['error']['code']]).toEqual([429, 'confirmation-wait']);
    }
    expect(api.sent.map((e) => e.to)).toEqual(['ann@example.com', 'bob@example.com']);
    // Later, a spelling of its own gets its link (each exact spelling is confirmed on its own).
    api.advance(11 * 60_000);
    expect((await api.upload(token, { email: 'a.nn+1@example.com' })).status).toBe(201);
    expect(api.sent.map((e) => e.to)).toEqual(['ann@example.com', 'bob@example.com', 'a.nn+1@example.com']);
  });

  it('a second spelling within ten minutes waits for a link of its own: no result is held that no link releases', async () => {
    const api = setup({ MAX_ACTIVE_JOBS_PER_USER: '10' });
    const session = await api.session();
    expect((await api.upload(session.token, { email: 'ann@example.com' })).status).toBe(201);
    api.advance(5 * 60_000);
    const early = await api.upload(session.token, { email: 'A.nn+1@example.com' });
    expect([early.status, early.json['error']['code']]).toEqual([429, 'confirmation-wait']);
    expect(early.headers['retry-after']).toBe('300');
    // Confirming the first spelling releases nothing of the second: there is nothing of it to release.
    const firstLink = confirmLinkOf(api.sent[0] as OutgoingEmail);
    await api.call({ method: 'POST', path: '/confirm', body: JSON.stringify({ token: firstLink }) });
    api.advance(5 * 60_000);
    const later = (await api.upload(session.token, { email: 'A.nn+1@example.com' })).json as {
      name: string;
      key: string;
    };
    expect(api.sent.map((e) => e.to)).toEqual(['ann@example.com', 'A.nn+1@example.com']);
    expect((await finish(api, session, later, 'c'.repeat(32))).outcome).toMatchObject({ status: 'held' });
    const secondLink = confirmLinkOf(api.sent[1] as OutgoingEmail);
    api.sent.length = 0;
    const confirmed = await api.call({
      method: 'POST',
      path: '/confirm',
      body: JSON.stringify({ token: secondLink }),
    });
    expect(confirmed.json).toEqual({ confirmed: true, results: { emailed: 1, waiting: 0 } });
    expect(api.sent.map((e) => [e.to, e.subject])).toEqual([
      ['A.nn+1@example.com', 'Your 3D model is ready'],
    ]);
  });

  it('per mailbox, whatever the spelling: plus-tags and dots do not multiply it', async () => {
    const api = setup({ CONFIRMATION_EMAILS_PER_DAY: '3' });
    const answers = [];
    for (let i = 0; i < 8; i += 1) {
      const { token } = await api.session();
      const email = i % 2 === 0 ? `victim+${i}@example.com` : `v.i.c.t.i.m@example.com`;
      answers.push((await api.upload(token, { email })).status);
    }
    expect(api.sent).toHaveLength(3);
    expect(answers.slice(3).every((s) => s === 429)).toBe(true);
  });

  it('for everyone together: fresh sessions naming fresh addresses stop at the hourly budget', async () => {
    const api = setup({ CONFIRMATION_EMAILS_PER_HOUR_TOTAL: '5' });
    const answers = [];
    for (let i = 0; i < 20; i += 1) {
      const { token } = await api.session();
      answers.push((await api.upload(token, { email: `person${i}@example.com` })).status);
    }
    expect(api.sent).toHaveLength(5);
    expect(answers.filter((s) => s === 503)).toHaveLength(15);
    api.advance(3600_000);
    const { token } = await api.session();
    expect((await api.upload(token, { email: 'later@example.com' })).status).toBe(201);
  });
});

describe('sessions and tokens', () => {
  it('rate-limits POST /session', async () => {
    const api = setup({ SESSIONS_PER_HOUR: '3' });
    const statuses = [];
    for (let i = 0; i < 5; i += 1)
      statuses.push((await api.call({ method: 'POST', path: '/session' })).status);
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
  });

  it('accepts the Bearer scheme in any case, and a token only in its one spelling', async () => {
    const api = setup();
    const { token } = await api.session();
    for (const header of [`bearer ${token}`, `BEARER ${token}`, `Bearer  ${token}`]) {
      expect(
        (await api.call({ method: 'GET', path: '/jobs', headers: { authorization: header } })).status,
      ).toBe(200);
    }
    // The same signature bytes written another way (base64url with padding) is not this token.
    const [payload, signature] = token.split('.') as [string, string];
    const padded = `${payload}.${Buffer.from(signature, 'base64url').toString('base64')}`;
    expect((await api.call({ method: 'GET', path: '/jobs' }, padded)).status).toBe(401);
  });

  it('a corrupt session record means a new session (401), not 500s; a corrupt status hides one job only', async () => {
    const api = setup();
    const { userId, token } = await api.session();
    await api.job(userId, 'good-1', 'job0000000000001', 'done');
    await api.job(userId, 'bad-1', 'job0000000000002', 'done');
    await api.data.put(
      buildJobDocumentKey({ userId, jobId: 'job0000000000002', document: 'status' }),
      '{"version":',
      {
        contentType: 'application/json',
      },
    );
    const listed = await api.call({ method: 'GET', path: '/jobs' }, token);
    expect(listed.status).toBe(200);
    expect(listed.json['jobs'].map((j: { name: string }) => j.name)).toEqual(['good-1']);
    await api.data.put(`api/users/${userId}.json`, 'not json', { contentType: 'application/json' });
    const upload = await api.upload(token);
    expect(upload.status).toBe(401);
    expect(upload.json['error']['code']).toBe('no-session');
  });

  it('concurrent grants for one address all succeed (jittered retries), and no answer names an internal key', async () => {
    const api = setup({ MAX_ACTIVE_JOBS_PER_USER: '50', CONFIRMATION_EMAILS_PER_DAY: '50' });
    const sessions = await Promise.all(Array.from({ length: 8 }, () => api.session()));
    const answers = await Promise.all(
      sessions.map((s) => api.upload(s.token, { email: 'shared@example.com' })),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(201);
      expect(answer.body).not.toMatch(/api\/(users|addresses)\//);
    }
  });
});
