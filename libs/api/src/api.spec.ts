import { randomBytes } from 'node:crypto';
import { parseJobReportJson } from '@gen3d/events';
import { confirmAddress, countAcceptedUpload, isAddressConfirmed, JobDocuments } from '@gen3d/jobs';
import { buildFailureKey, buildOutputKey, buildReportKey, parseUserId } from '@gen3d/s3-keys';
import type { OutgoingEmail } from './emails';
import { finishGranted, setup, WEB } from './fixtures/api-world';
import { forFunctionUrl } from './function-url';
import { createTokenSigner } from './tokens';

describe('sessions and who may see what', () => {
  it('creates a user server-side and binds it to a signed token', async () => {
    const api = setup();
    const { status, json } = await api.call({ method: 'POST', path: '/session' });
    expect(status).toBe(201);
    expect(json['userId']).toMatch(/^w[A-Za-z0-9_-]{20}$/);
    expect(api.tokens.verify(json['token'])).toEqual({ k: 's', u: json['userId'] });
    expect(await api.data.head(`api/users/${json['userId']}.json`)).toBeDefined();
  });

  it('refuses requests without a valid session (none, tampered, signed with another key)', async () => {
    const api = setup();
    const { token } = await api.session();
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'AB' : 'AA'}`;
    const foreign = createTokenSigner(randomBytes(32)).sign({ k: 's', u: 'w1' });
    for (const bad of [undefined, tampered, foreign, 'garbage']) {
      const response = await api.call({ method: 'GET', path: '/jobs' }, bad);
      expect(response.status).toBe(401);
    }
  });

  it("answers 404 for another user's job, exactly as for an unknown id", async () => {
    const api = setup();
    const ann = await api.session();
    const bob = await api.session();
    await api.job(ann.userId, 'chair-1', 'job0000000000001', 'queued');
    expect((await api.call({ method: 'GET', path: '/jobs/job0000000000001' }, ann.token)).status).toBe(200);
    const theirs = await api.call({ method: 'GET', path: '/jobs/job0000000000001' }, bob.token);
    const unknown = await api.call({ method: 'GET', path: '/jobs/job0000000000999' }, bob.token);
    expect(theirs.status).toBe(404);
    expect(theirs.body).toBe(unknown.body);
    expect((await api.call({ method: 'GET', path: '/jobs/job0000000000001/mesh' }, bob.token)).status).toBe(
      404,
    );
    expect((await api.call({ method: 'GET', path: '/jobs' }, bob.token)).json['jobs']).toEqual([]);
    expect((await api.call({ method: 'GET', path: '/jobs/..%2F..%2Fsecret' }, bob.token)).status).toBe(404);
  });

  it("lets an email link's access token see its one upload, and nothing else", async () => {
    const api = setup();
    const ann = await api.session();
    await api.job(ann.userId, 'chair-1', 'job0000000000001', 'done');
    await api.job(ann.userId, 'table-2', 'job0000000000002', 'done');
    const access = api.tokens.sign({ k: 'a', u: ann.userId, n: 'chair-1' });
    const headers = { 'x-gen3d-access': access };
    const own = await api.call({ method: 'GET', path: '/jobs/job0000000000001', headers });
    expect(own.status).toBe(200);
    expect((await api.call({ method: 'GET', path: '/jobs/job0000000000001/mesh', headers })).status).toBe(
      200,
    );
    expect((await api.call({ method: 'GET', path: '/jobs/job0000000000002', headers })).status).toBe(404);
    expect((await api.call({ method: 'GET', path: '/jobs', headers })).status).toBe(401);
    // A session token is not an access token, nor the reverse.
    expect((await api.call({ method: 'GET', path: '/jobs', headers: {} }, access)).status).toBe(401);
    const asAccess = { 'x-gen3d-access': ann.token };
    expect(
      (await api.call({ method: 'GET', path: '/jobs/job0000000000001', headers: asAccess })).status,
    ).toBe(401);
  });
});

describe('POST /uploads', () => {
  it("signs a POST fixed to one key under the caller's input area, PNG, a size range and the metadata", async () => {
    const api = setup();
    const { userId, token } = await api.session();
    const { status, json } = await api.upload(token, { point: { x: 12, y: 34 }, quality: 'high' });
    expect(status).toBe(201);
    expect(json['name']).toMatch(/^Chaise café-[0-9a-f]{8}$/);
    expect(api.signed).toHaveLength(1);
    const [{ key, options }] = api.signed as [(typeof api.signed)[number]];
    expect(key).toBe(`users/${userId}/input/${json['name']}.png`);
    expect(json['key']).toBe(key);
    expect(options).toEqual({
      contentType: 'image/png',
      minBytes: 1,
      maxBytes: 20 * 1024 * 1024,
      expiresInSeconds: 120,
      metadata: { email: 'Ann@Example.com', quality: 'high', point: '12,34', access: expect.any(String) },
    });
    expect(api.tokens.verify(options.metadata?.['access'] as string)).toEqual({
      k: 'a',
      u: userId,
      n: json['name'],
    });
    expect(json['upload']['fields']).toMatchObject({ key, 'Content-Type': 'image/png' });
  });

  it('puts the prompts, formats and face budget into the signed metadata, as extract reads them', async () => {
    const api = setup();
    const { token } = await api.session();
    const { status } = await api.upload(token, {
      points: [
        { x: 5, y: 6, label: 1 },
        { x: 1, y: 1, label: 0 },
      ],
      box: { x0: 0, y0: 0, x1: 40, y1: 30 },
      formats: ['glb', 'stl'],
      targetFaces: 20000,
      shape: 'slab',
    });
    expect(status).toBe(201);
    expect(api.signed[0]!.options.metadata).toMatchObject({
      points: '5,6,1;1,1,0',
      box: '0,0,40,30',
      formats: 'ply,glb,stl',
      'target-faces': '20000',
      shape: 'slab',
    });
    expect((await api.upload(token, { shape: 'cube' })).json['error']['code']).toBe('bad-upload');
  });

  it('gives every upload its own name, so that each is its own job', async () => {
    const api = setup();
    const { token } = await api.session();
    const first = await api.upload(token);
    const second = await api.upload(token);
    expect(first.json['name']).not.toBe(second.json['name']);
  });

  it.each([
    [{ fileName: 'photo.jpg' }, 'not-png'],
    [{ email: 'not an address' }, 'bad-upload'],
    [{ size: 0 }, 'empty'],
    [{ size: 21 * 1024 * 1024 }, 'too-large'],
    [{ point: { x: -1, y: 2 } }, 'bad-upload'],
    [{ extra: 'field' }, 'bad-upload'],
    [{ formats: ['glb', 'fbx'] }, 'bad-upload'],
    [{ formats: ['glb', 'glb'] }, 'bad-upload'],
    [{ targetFaces: 10 }, 'bad-upload'],
    [{ box: { x0: 9, y0: 0, x1: 3, y1: 5 } }, 'bad-upload'],
    [{ points: [{ x: 1, y: 1, label: 2 }] }, 'bad-upload'],
  ])('refuses %j (400 %s) and signs nothing', async (body, code) => {
    const api = setup();
    const { token } = await api.session();
    const { status, json } = await api.upload(token, body);
    expect(status).toBe(400);
    expect(json['error']['code']).toBe(code);
    expect(api.signed).toHaveLength(0);
  });

  it('keeps odd file names inside the input area, and every key derived from them fits (255 bytes a segment)', async () => {
    const api = setup();
    const { userId, token } = await api.session();
    const names = [
      '../../etc/passwd.png',
      '.png',
      'a/b\\c\u202e.png',
      `${'é'.repeat(300)}.PNG`,
      `${'à'.repeat(120)}.png`,
    ];
    for (const fileName of names) {
      const { status, json } = await api.upload(token, { fileName });
      expect(status).toBe(201);
      expect(json['key']).toMatch(new RegExp(`^users/${userId}/input/[^/]+\\.png$`));
      const name = json['name'] as string;
      // The longest derived key segment: `{name}.failure.json`; the report and the PLY too.
      for (const key of [
        buildFailureKey({ userId, name }),
        buildReportKey({ userId, name }),
        buildOutputKey({ userId, name }),
      ]) {
        expect(Buffer.byteLength(key.split('/').pop() as string)).toBeLessThanOrEqual(255);
      }
      api.advance(3600_000); // not to hit the quota
    }
  });
});

describe('rate limits', () => {
  it('allows MAX_ACTIVE_JOBS_PER_USER jobs in progress, then answers 429 with Retry-After', async () => {
    const api = setup({ MAX_ACTIVE_JOBS_PER_USER: '2' });
    const { userId, token } = await api.session();
    const first = await api.upload(token);
    expect((await api.upload(token)).status).toBe(201);
    const refused = await api.upload(token);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('30');
    expect(refused.json['error']['code']).toBe('too-many-jobs');
    // The first job finishes: its slot is free again.
    await api.job(userId, first.json['name'], 'job0000000000001', 'failed');
    expect((await api.upload(token)).status).toBe(201);
    // A granted upload that was never used stops counting once its POST has expired.
    expect((await api.upload(token)).status).toBe(429);
    api.advance(13 * 60_000);
    expect((await api.upload(token)).status).toBe(201);
  });

  it('counts queued and reconstructing jobs, not stuck ones', async () => {
    const api = setup({ MAX_ACTIVE_JOBS_PER_USER: '1' });
    const { userId, token } = await api.session();
    await api.job(userId, 'old-1', 'job0000000000001', 'reconstructing');
    expect((await api.upload(token)).status).toBe(429);
    api.advance(61 * 60_000);
    expect((await api.upload(token)).status).toBe(201);
  });

  it('caps uploads per UTC day, counted on what extract accepted: per mailbox for its confirmed sessions, per session for others', async () => {
    const api = setup({ ADDRESS_DAILY_CAP: '2', CONFIRMATION_EMAILS_PER_DAY: '10' });
    // Grants alone count nothing: strangers' unused grants cannot lock the owner out.
    for (let i = 0; i < 5; i += 1) {
      expect((await api.upload((await api.session()).token, { email: 'ann@example.com' })).status).toBe(201);
    }
    const [owner, phone, stranger] = [await api.session(), await api.session(), await api.session()];
    for (const { userId } of [owner, phone]) {
      await confirmAddress(api.data, 'ann@example.com', userId, new Date('2026-11-27T10:00:00Z'));
    }
    // The extract function accepted two of the owner's uploads today (countAcceptedUpload is its count).
    for (const jobId of ['j1', 'j2']) {
      const upload = { jobId, userId: owner.userId, day: '2026-11-27', cap: 2 };
      await countAcceptedUpload(api.data, 'ANN@example.com', upload);
    }
    const refused = await api.upload(phone.token, { email: ' Ann@example.com' });
    expect(refused.status).toBe(429);
    expect(refused.json['error']['code']).toBe('address-daily-cap');
    expect(refused.headers['retry-after']).toBe(String(14 * 3600)); // 10:00 UTC -> midnight
    // A session not confirmed for the mailbox has a count of its own.
    expect((await api.upload(stranger.token, { email: 'a.nn+x@example.com' })).status).toBe(201);
    for (const jobId of ['s1', 's2']) {
      const upload = { jobId, userId: stranger.userId, day: '2026-11-27', cap: 2 };
      await countAcceptedUpload(api.data, 'a.nn+x@example.com', upload);
    }
    expect((await api.upload(stranger.token, { email: 'ann@example.com' })).status).toBe(429);
    expect((await api.upload(owner.token, { email: 'bob@example.com' })).status).toBe(201);
    api.advance(14 * 3600_000);
    expect((await api.upload(phone.token, { email: 'ann@example.com' })).status).toBe(201);
  });
});

describe('no mail relay for strangers', () => {
  it('sends one confirmation link per address, and the address is confirmed only through it', async () => {
    const api = setup({ MAX_ACTIVE_JOBS_PER_USER: '10' });
    const { token, userId } = await api.session();
    const first = await api.upload(token);
    expect(first.json['address']).toEqual({ confirmed: false, confirmation: 'sent' });
    expect((await api.upload(token)).json['address']).toEqual({ confirmed: false, confirmation: 'pending' });
    expect(api.sent).toHaveLength(1);
    const [email] = api.sent as [OutgoingEmail];
    expect(email.to).toBe('Ann@Example.com');
    const link = /(http:\/\/127\.0\.0\.1:4300\/#confirm=\S+)/.exec(email.text)?.[1] as string;
    expect(email.html).toContain(link.replace(/&/g, '&#38;'));
    expect(email.subject).toBe('Confirm your address for Gen3D');
    expect(email.text).toContain(`"${first.json['name'] as string}.png"`);
    expect(await isAddressConfirmed(api.data, 'ann@example.com', userId)).toBe(false);

    const confirmToken = decodeURIComponent(new URL(link).hash.slice('#confirm='.length));
    const confirmed = await api.call({
      method: 'POST',
      path: '/confirm',
      body: JSON.stringify({ token: confirmToken }),
    });
    expect(confirmed.status).toBe(200);
    expect(await isAddressConfirmed(api.data, ' ANN@example.COM ', userId)).toBe(true);
    // For this session only.
    expect(await isAddressConfirmed(api.data, 'ann@example.com', (await api.session()).userId)).toBe(false);
    expect((await api.upload(token)).json['address']).toEqual({
      confirmed: true,
      confirmation: 'not-needed',
    });
    expect(api.sent).toHaveLength(1);
  });

  it('emails through the mailer port, once, the results that finished before the address was confirmed', async () => {
    const api = setup({ MAX_ACTIVE_JOBS_PER_USER: '10' });
    const { token, userId } = await api.session();
    const granted = await api.upload(token);
    const confirmText = (api.sent[0] as OutgoingEmail).text;
    // The pipeline: the upload with the metadata the API signed, the finished job, its notification (held).
    const jobId = '0123456789abcdef0123456789abcdef';
    const { outcome: notified } = await finishGranted(
      api,
      userId,
      granted.json as { name: string; key: string },
      jobId,
    );
    expect(notified).toMatchObject({ status: 'held' });
    const view = await api.call({ method: 'GET', path: `/jobs/${jobId}` }, token);
    expect(view.json['job']).toMatchObject({ state: 'done', email: 'held' });

    const link = /#confirm=(\S+)/.exec(confirmText)?.[1] as string;
    const confirm = () =>
      api.call({
        method: 'POST',
        path: '/confirm',
        body: JSON.stringify({ token: decodeURIComponent(link) }),
      });
    const confirmed = await confirm();
    expect(confirmed.status).toBe(200);
    expect(confirmed.json).toEqual({ confirmed: true, results: { emailed: 1, waiting: 0 } });
    expect(api.sent).toHaveLength(2);
    const result = api.sent[1] as OutgoingEmail;
    expect(result.to).toBe('Ann@Example.com');
    expect(result.text).toContain(`${WEB}#job=${jobId}&access=`);
    expect(result.text).toMatch(/See it in 3D and download it/);
    expect((await api.call({ method: 'GET', path: `/jobs/${jobId}` }, token)).json['job']).toMatchObject({
      email: 'sent',
    });
    // The link opened twice: confirmed, nothing sent again.
    expect((await confirm()).json).toEqual({ confirmed: true, results: { emailed: 0, waiting: 0 } });
    expect(api.sent).toHaveLength(2);
  });

  it('answers 503 when a held result could not be emailed yet, and sends it when the link is opened again', async () => {
    const api = setup();
    const { token, userId } = await api.session();
    const granted = await api.upload(token);
    const link = /#confirm=(\S+)/.exec((api.sent[0] as OutgoingEmail).text)?.[1] as string;
    const jobId = 'fedcba9876543210fedcba9876543210';
    await finishGranted(api, userId, granted.json as { name: string; key: string }, jobId);
    const confirm = () =>
      api.call({
        method: 'POST',
        path: '/confirm',
        body: JSON.stringify({ token: decodeURIComponent(link) }),
      });
    api.failMail = true;
    const failed = await confirm();
    expect(failed.status).toBe(503);
    expect(failed.json['error']['code']).toBe('results-not-sent');
    expect(await isAddressConfirmed(api.data, 'ann@example.com', userId)).toBe(true);
    api.failMail = false;
    // The failed attempt holds the lock until its deadline (REQUEST_TIMEOUT_SECONDS + 2 s of clock skew).
    api.advance(20_000);
    expect((await confirm()).json).toEqual({ confirmed: true, results: { emailed: 0, waiting: 1 } });
    api.advance(13_000);
    expect((await confirm()).json).toEqual({ confirmed: true, results: { emailed: 1, waiting: 0 } });
    expect(api.sent).toHaveLength(2);
  });

  it('refuses a tampered, foreign-kind or expired confirmation token', async () => {
    const api = setup();
    const { token, userId } = await api.session();
    const confirm = (t: string) =>
      api.call({ method: 'POST', path: '/confirm', body: JSON.stringify({ token: t }) });
    expect((await confirm(token)).status).toBe(400); // a session token is not a confirmation
    const expired = api.tokens.sign({
      k: 'c',
      a: 'ann@example.com',
      u: userId,
      exp: Math.floor(Date.now() / 1000) - 3600 * 24 * 400,
    });
    expect((await confirm(expired)).json['error']['code']).toBe('confirmation-expired');
    expect(await isAddressConfirmed(api.data, 'ann@example.com', userId)).toBe(false);
  });

  it('tries the confirmation again on the next upload when the mailer failed', async () => {
    const api = setup({ MAX_ACTIVE_JOBS_PER_USER: '10' });
    const { token } = await api.session();
    api.failMail = true;
    const first = await api.upload(token);
    expect(first.status).toBe(201); // the upload itself goes on
    expect(first.json['address']).toEqual({ confirmed: false, confirmation: 'failed' });
    api.failMail = false;
    expect((await api.upload(token)).json['address']).toEqual({ confirmed: false, confirmation: 'sent' });
    expect(api.sent).toHaveLength(1);
  });

  it('sends at most CONFIRMATION_EMAILS_PER_DAY confirmations, ten minutes apart', async () => {
    const api = setup({ CONFIRMATION_EMAILS_PER_DAY: '2', MAX_ACTIVE_JOBS_PER_USER: '50' });
    const { token } = await api.session();
    for (let i = 0; i < 6; i += 1) {
      await api.upload(token);
      api.advance(11 * 60_000);
    }
    expect(api.sent).toHaveLength(2);
  });
});

describe('jobs and meshes', () => {
  it("lists the caller's jobs newest first and finds one by name", async () => {
    const api = setup();
    const { userId, token } = await api.session();
    await api.job(userId, 'a-1', 'job0000000000001', 'queued');
    api.advance(1000);
    await api.job(userId, 'b-2', 'job0000000000002', 'failed');
    const all = await api.call({ method: 'GET', path: '/jobs' }, token);
    expect(all.json['jobs'].map((j: { name: string }) => j.name)).toEqual(['b-2', 'a-1']);
    expect(all.json['jobs'][0]['error']).toEqual({
      code: 'NoObjectFoundError',
      reason: expect.stringMatching(/could not find an object/),
    });
    const one = await api.call({ method: 'GET', path: '/jobs', query: { name: 'a-1' } }, token);
    expect(one.json['jobs']).toHaveLength(1);
  });

  it('shows a finished job with its method and counts, and gives a fresh short-lived mesh link', async () => {
    const api = setup();
    const { userId, token } = await api.session();
    await api.job(userId, 'chair-1', 'job0000000000001', 'done');
    const { json } = await api.call({ method: 'GET', path: '/jobs/job0000000000001' }, token);
    expect(json['job']).toMatchObject({
      state: 'done',
      method: 'silhouette inflation (geometric, no learned model)',
      backend: 'inflate',
      mesh: { vertices: 8, faces: 12, watertight: true },
    });
    const mesh = await api.call({ method: 'GET', path: '/jobs/job0000000000001/mesh' }, token);
    expect(mesh.status).toBe(200);
    expect(mesh.json).toMatchObject({ fileName: 'chair-1.ply', bytes: 3 });
    expect(api.store.fetchLink(mesh.json['url'])).toMatchObject({ status: 200 });
    api.advance(301_000);
    expect(api.store.fetchLink(mesh.json['url'])).toEqual({ status: 403 });
  });

  it('gives a link to each format the job made, at the version its report names', async () => {
    const api = setup();
    const { userId, token } = await api.session();
    const docs = new JobDocuments(api.data, () => new Date());
    const input = {
      kind: 'input' as const,
      key: `users/${userId}/input/cup-1.png`,
      userId: parseUserId(userId),
      name: 'cup-1',
    };
    const glb = await docs.writeMeshFile(
      input,
      { jobId: 'job0000000000001' },
      {
        format: 'glb',
        bytes: Buffer.from('glTF this job'),
        contentType: 'model/gltf-binary',
      },
    );
    await api.data.put(glb.key, 'glTF a later one', { contentType: 'model/gltf-binary' });
    await api.job(userId, 'cup-1', 'job0000000000001', 'done');
    // The helper's report names no files: write the one this job's sidecar would have, then its mesh.
    const report = await docs.writeReport(input, {
      ...parseJobReportJson(await api.data.getText(buildReportKey({ userId, name: 'cup-1' }))),
      output: {
        bucket: api.data.bucket,
        meshKey: buildOutputKey({ userId, name: 'cup-1' }),
        bytes: 3,
        files: [{ format: 'ply', key: buildOutputKey({ userId, name: 'cup-1' }), bytes: 3 }, glb],
      },
    });
    await api.data.put(buildOutputKey({ userId, name: 'cup-1' }), 'ply', {
      contentType: 'application/octet-stream',
      metadata: docs.meshMetadata({ jobId: 'job0000000000001', backend: 'inflate' }, report),
    });
    const view = await api.call({ method: 'GET', path: '/jobs/job0000000000001' }, token);
    expect(view.json['job']['formats']).toEqual(['ply', 'glb']);
    const path = '/jobs/job0000000000001/mesh';
    const link = await api.call({ method: 'GET', path, query: { format: 'glb' } }, token);
    expect(link.json).toMatchObject({ fileName: 'cup-1.glb', bytes: 13 });
    const fetched = api.store.fetchLink(link.json['url']);
    expect(fetched.status === 200 && Buffer.from(fetched.body).toString('utf8')).toBe('glTF this job');
    const stl = await api.call({ method: 'GET', path, query: { format: 'stl' } }, token);
    expect([stl.status, stl.json['error']['code']]).toEqual([404, 'no-such-format']);
    const bad = await api.call({ method: 'GET', path, query: { format: 'fbx' } }, token);
    expect([bad.status, bad.json['error']['code']]).toEqual([400, 'bad-format']);
  });

  it('has no mesh for an unfinished job (409), nor for a mesh another upload overwrote (404)', async () => {
    const api = setup();
    const { userId, token } = await api.session();
    await api.job(userId, 'chair-1', 'job0000000000001', 'reconstructing');
    expect((await api.call({ method: 'GET', path: '/jobs/job0000000000001/mesh' }, token)).status).toBe(409);
    await api.job(userId, 'chair-1', 'job0000000000001', 'done');
    await api.data.put(buildOutputKey({ userId, name: 'chair-1' }), 'other', {
      contentType: 'application/octet-stream',
      metadata: { 'job-id': 'job0000000000009' },
    });
    expect((await api.call({ method: 'GET', path: '/jobs/job0000000000001/mesh' }, token)).status).toBe(404);
    expect(await api.data.head(buildReportKey({ userId, name: 'chair-1' }))).toBeDefined();
  });

  it('answers unknown routes 404', async () => {
    const api = setup();
    expect((await api.call({ method: 'DELETE', path: '/jobs' })).status).toBe(404);
  });
});

describe('function URL adapter', () => {
  it('maps a function URL event to the core and back', async () => {
    const api = setup();
    const lambda = forFunctionUrl(api.handle);
    const created = await lambda({
      rawPath: '/session',
      requestContext: { http: { method: 'POST' } },
      headers: {},
    });
    expect(created.statusCode).toBe(201);
    const { token } = JSON.parse(created.body) as { token: string };
    const listed = await lambda({
      rawPath: '/jobs',
      rawQueryString: 'name=a%20b',
      requestContext: { http: { method: 'GET' } },
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(listed).toMatchObject({ statusCode: 200, body: '{"jobs":[]}', isBase64Encoded: false });
    const posted = await lambda({
      rawPath: '/uploads',
      requestContext: { http: { method: 'POST' } },
      headers: { authorization: `Bearer ${token}` },
      isBase64Encoded: true,
      body: Buffer.from(JSON.stringify({ fileName: 'a.png', size: 5, email: 'a@example.com' })).toString(
        'base64',
      ),
    });
    expect(posted.statusCode).toBe(201);
  });
});
