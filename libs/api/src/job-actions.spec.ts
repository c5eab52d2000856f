import { buildResultImageKey, parseInputKey } from '@gen3d/s3-keys';
import { extract, finishedJob, PNG_BYTES, setup, type Api } from './fixtures/api-world';

// A job's pictures, its retry and its deletion, asked for by its owner and tried by strangers.

/** Ann's finished job, and Bob: a stranger's session on the same API. */
async function annsJobAndBob() {
  const api = setup();
  const ann = await api.session();
  const bob = await api.session();
  return { api, ann, bob, job: await finishedJob(api, ann.token) };
}

const allVersions = async (api: Api) =>
  (await api.data.listVersions('')).map((v) => `${v.key}@${v.versionId}`);

describe('GET /jobs/{id}/image', () => {
  it("links the job's thumbnail and mask at the versions it wrote; a stranger sees 404, as for no job", async () => {
    const { api, ann, bob, job } = await annsJobAndBob();
    const path = `/jobs/${job.jobId}/image`;

    const thumbnail = await api.call({ method: 'GET', path, query: { kind: 'thumbnail' } }, ann.token);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.json).toEqual({ url: expect.any(String), expiresAt: '2026-11-27T10:05:00.000Z' });
    // A later job under the same output name does not change what this link shows.
    await api.data.put(buildResultImageKey(parseInputKey(job.key), 'thumbnail'), 'other', {
      contentType: 'image/png',
    });
    const again = await api.call({ method: 'GET', path, query: { kind: 'thumbnail' } }, ann.token);
    const fetched = api.store.fetchLink(again.json['url']);
    expect(fetched.status === 200 && Buffer.from(fetched.body).toString()).toBe('thumbnail');
    const mask = await api.call({ method: 'GET', path, query: { kind: 'mask' } }, ann.token);
    const maskBytes = api.store.fetchLink(mask.json['url']);
    expect(maskBytes.status === 200 && Buffer.from(maskBytes.body).toString()).toBe('mask');

    const theirs = await api.call({ method: 'GET', path, query: { kind: 'thumbnail' } }, bob.token);
    const unknown = await api.call(
      { method: 'GET', path: '/jobs/0000000000000000/image', query: { kind: 'thumbnail' } },
      bob.token,
    );
    expect(theirs.status).toBe(404);
    expect(theirs.body).toBe(unknown.body);
    expect((await api.call({ method: 'GET', path, query: { kind: 'mesh' } }, ann.token)).status).toBe(400);
    // The email link's access token of this upload sees its pictures too.
    const access = { 'x-gen3d-access': api.tokens.sign({ k: 'a', u: ann.userId, n: job.name }) };
    expect((await api.call({ method: 'GET', path, query: { kind: 'mask' }, headers: access })).status).toBe(
      200,
    );
  });

  it('answers 404 for a job that made no pictures, and the job view lists the pictures made', async () => {
    const api = setup({ RETENTION_DAYS: '7' });
    const ann = await api.session();
    await api.job(ann.userId, 'plain', '0000000000000001', 'done');
    const plain = await api.call(
      { method: 'GET', path: '/jobs/0000000000000001/image', query: { kind: 'thumbnail' } },
      ann.token,
    );
    expect(plain.json['error']['code']).toBe('no-such-image');
    const job = await finishedJob(api, ann.token);
    const view = await api.call({ method: 'GET', path: `/jobs/${job.jobId}` }, ann.token);
    expect(view.json['job']).toMatchObject({ images: ['thumbnail', 'mask'], keptUntil: expect.any(String) });
    const { finishedAt, keptUntil } = view.json['job'] as { finishedAt: string; keptUntil: string };
    expect(Date.parse(keptUntil) - Date.parse(finishedAt)).toBe(7 * 24 * 3600 * 1000);
  });
});

describe('DELETE /jobs/{id}', () => {
  it('deletes every stored version of the job, and nothing of a stranger’s try', async () => {
    const { api, ann, bob, job } = await annsJobAndBob();
    const other = await finishedJob(api, ann.token);
    const before = await allVersions(api);

    const stranger = await api.call({ method: 'DELETE', path: `/jobs/${job.jobId}` }, bob.token);
    expect(stranger.status).toBe(404);
    const access = { 'x-gen3d-access': api.tokens.sign({ k: 'a', u: ann.userId, n: job.name }) };
    expect((await api.call({ method: 'DELETE', path: `/jobs/${job.jobId}`, headers: access })).status).toBe(
      401,
    );
    expect(await allVersions(api)).toEqual(before);

    const deleted = await api.call({ method: 'DELETE', path: `/jobs/${job.jobId}` }, ann.token);
    expect(deleted.status).toBe(204);
    const after = await allVersions(api);
    // Nothing under the job's name or id is left, in any version; the other job is whole.
    const name = job.name;
    expect(after.filter((v) => v.includes(`/${name}.`) || v.includes(job.jobId))).toEqual([]);
    expect(after.filter((v) => v.includes(other.jobId)).length).toBeGreaterThan(0);
    expect(after).toContain(`${other.key}@${other.uploadVersion}`);
    expect((await api.call({ method: 'GET', path: `/jobs/${job.jobId}` }, ann.token)).status).toBe(404);
    expect((await api.call({ method: 'DELETE', path: `/jobs/${job.jobId}` }, ann.token)).status).toBe(404);
    expect((await api.call({ method: 'GET', path: `/jobs/${other.jobId}` }, ann.token)).status).toBe(200);
  });

  it('refuses to delete a job that may still run (409), but deletes a stuck one', async () => {
    const api = setup();
    const ann = await api.session();
    await api.job(ann.userId, 'busy', '0000000000000002', 'reconstructing');
    const busy = await api.call({ method: 'DELETE', path: '/jobs/0000000000000002' }, ann.token);
    expect(busy.status).toBe(409);
    api.advance(2 * 3600 * 1000);
    expect((await api.call({ method: 'DELETE', path: '/jobs/0000000000000002' }, ann.token)).status).toBe(
      204,
    );
    expect(await api.data.listVersions(`users/${ann.userId}/jobs/`)).toEqual([]);

    // A queued request can wait in SageMaker's queue for its TTL (6 h) and then run: deleted before, it would come
    // back as a failure. After its TTL and its run time, it cannot.
    await api.job(ann.userId, 'waiting', '0000000000000003', 'queued');
    api.advance(2 * 3600 * 1000);
    const queued = await api.call({ method: 'DELETE', path: '/jobs/0000000000000003' }, ann.token);
    expect(queued.status).toBe(409);
    api.advance(6 * 3600 * 1000);
    expect((await api.call({ method: 'DELETE', path: '/jobs/0000000000000003' }, ann.token)).status).toBe(
      204,
    );
  });
});

describe('POST /jobs/{id}/retry', () => {
  it('starts a new job on the version the first job was made from, with the new prompts, granted like an upload', async () => {
    const api = setup();
    const ann = await api.session();
    const first = await finishedJob(api, ann.token, { quality: 'high', point: { x: 1, y: 1 } });
    // Another picture later under the same key: the retry still uses the first job's version.
    await api.data.put(first.key, Uint8Array.from([...PNG_BYTES, 7]), { contentType: 'image/png' });
    const mailsBefore = api.sent.length;

    const retry = await api.call(
      {
        method: 'POST',
        path: `/jobs/${first.jobId}/retry`,
        body: JSON.stringify({ box: { x0: 0, y0: 0, x1: 3, y1: 3 }, shape: 'revolve' }),
      },
      ann.token,
    );

    expect(retry.status).toBe(202);
    const { jobId, name } = retry.json as { jobId: string; name: string };
    // A retry is named from the first job's stem, so a retry of a retry is no longer than the first.
    expect(name).toMatch(/^Chaise café-[0-9a-f]{8}$/);
    expect(name).not.toBe(first.name);
    const key = `users/${ann.userId}/input/${name}.png`;
    expect([...(await api.data.get(key, 100))]).toEqual([...PNG_BYTES]);
    const metadata = (await api.data.head(key))?.metadata ?? {};
    expect(metadata).toEqual({
      email: 'Ann@Example.com',
      quality: 'high',
      backend: 'inflate',
      box: '0,0,3,3',
      shape: 'revolve',
      access: expect.any(String),
      'retry-of': first.jobId,
    });
    expect(api.tokens.verify(metadata['access'] as string)).toEqual({ k: 'a', u: ann.userId, n: name });
    // The extract core takes it as a granted web upload, under the id the answer named; no new confirmation email.
    expect(await extract(api, key)).toMatchObject({ status: 'started', jobId });
    expect(api.sent.length).toBe(mailsBefore);
    // The new job says which it re-ran once it ended (a running job's polls read its status only); the first one
    // says nothing of the kind.
    const running = await api.call({ method: 'GET', path: `/jobs/${jobId}` }, ann.token);
    expect(running.json['job']).toMatchObject({ jobId, name, state: 'queued' });
    expect(running.json['job']['retryOf']).toBeUndefined();
    await api.job(ann.userId, name, jobId, 'failed');
    const view = await api.call({ method: 'GET', path: `/jobs/${jobId}` }, ann.token);
    expect(view.json['job']).toMatchObject({ jobId, name, state: 'failed', retryOf: first.jobId });
    const firstView = await api.call({ method: 'GET', path: `/jobs/${first.jobId}` }, ann.token);
    expect(firstView.json['job']['retryOf']).toBeUndefined();
  });

  it('counts every retry against the jobs in progress, replays included, and refuses strangers', async () => {
    const api = setup({ MAX_ACTIVE_JOBS_PER_USER: '2' });
    const ann = await api.session();
    const bob = await api.session();
    const first = await finishedJob(api, ann.token);
    const path = `/jobs/${first.jobId}/retry`;
    const stranger = await api.call({ method: 'POST', path, body: '{}' }, bob.token);
    expect(stranger.status).toBe(404);
    expect(await api.data.list(`users/${bob.userId}/input/`)).toEqual([]);

    const answers = [];
    for (let i = 0; i < 3; i += 1)
      answers.push(await api.call({ method: 'POST', path, body: '{}' }, ann.token));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 429]);
    expect(answers[2]?.json['error']['code']).toBe('too-many-jobs');
    expect(new Set(answers.slice(0, 2).map((a) => a.json['name'])).size).toBe(2);
  });

  it('refuses a bad prompt (400), a running job (409) and a job whose picture is gone (404)', async () => {
    const api = setup();
    const ann = await api.session();
    const first = await finishedJob(api, ann.token);
    const bad = await api.call(
      { method: 'POST', path: `/jobs/${first.jobId}/retry`, body: '{"box":{"x0":5,"y0":5,"x1":1,"y1":1}}' },
      ann.token,
    );
    expect([bad.status, bad.json['error']['code']]).toEqual([400, 'bad-retry']);
    await api.job(ann.userId, 'busy', '0000000000000003', 'queued');
    expect((await api.call({ method: 'POST', path: '/jobs/0000000000000003/retry' }, ann.token)).status).toBe(
      409,
    );
    await api.data.delete(first.key, first.uploadVersion);
    const gone = await api.call({ method: 'POST', path: `/jobs/${first.jobId}/retry` }, ann.token);
    expect([gone.status, gone.json['error']['code']]).toEqual([404, 'picture-gone']);
  });
});
