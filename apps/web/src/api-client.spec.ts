import {
  ApiClient,
  ApiRequestError,
  DEFAULT_API_BASE,
  postFile,
  readApiBase,
  toApiRequestError,
  type Fetch,
} from './api-client';

function memoryStorage() {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

type Call = { url: string; method: string; headers: Record<string, string>; body?: string };

/** A fetch that answers from a table of routes and records what the client sent. */
function fakeFetch(routes: Record<string, (call: Call) => Response>): { fetch: Fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: Fetch = async (url, init = {}) => {
    const call: Call = {
      url,
      method: init.method ?? 'GET',
      headers: (init.headers ?? {}) as Record<string, string>,
      ...(typeof init.body === 'string' ? { body: init.body } : {}),
    };
    calls.push(call);
    const route = routes[`${call.method} ${url}`];
    if (!route) return new Response('{"error":{"code":"no-route"}}', { status: 404 });
    return route(call);
  };
  return { fetch, calls };
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

describe('ApiClient', () => {
  it('creates a session once and sends it as a bearer token', async () => {
    const storage = memoryStorage();
    const { fetch, calls } = fakeFetch({
      'POST /api/session': () => json(201, { userId: 'w1', token: 'tok.sig' }),
      'GET /api/jobs': () => json(200, { jobs: [] }),
    });
    const client = new ApiClient('/api', fetch, storage);
    await client.listJobs();
    await client.listJobs();
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST /api/session',
      'GET /api/jobs',
      'GET /api/jobs',
    ]);
    expect(calls[1]?.headers['authorization']).toBe('Bearer tok.sig');
    expect(storage.data.get('gen3d.session')).toBe('tok.sig');
  });

  it('uses an email link access token instead of the session, and never creates a session for it', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /api/jobs/job00001': () => json(200, { job: { jobId: 'job00001', state: 'done' } }),
    });
    const client = new ApiClient('/api', fetch, memoryStorage());
    await client.job('job00001', 'acc.sig');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.headers).toMatchObject({ 'x-gen3d-access': 'acc.sig' });
    expect(calls[0]?.headers['authorization']).toBeUndefined();
  });

  it('turns a refusal into an ApiRequestError with the code and Retry-After', async () => {
    const storage = memoryStorage();
    storage.setItem('gen3d.session', 'tok.sig');
    const { fetch } = fakeFetch({
      'POST /api/uploads': () =>
        json(429, { error: { code: 'too-many-jobs', message: 'wait' } }, { 'retry-after': '30' }),
    });
    const error = await new ApiClient('/api', fetch, storage)
      .requestUpload({ fileName: 'a.png', size: 1, email: 'a@example.com' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect(error).toMatchObject({ status: 429, code: 'too-many-jobs', retryAfterSeconds: 30 });
  });

  it('replaces a session the API no longer knows, once', async () => {
    const storage = memoryStorage();
    storage.setItem('gen3d.session', 'old.sig');
    const { fetch, calls } = fakeFetch({
      'POST /api/session': () => json(201, { userId: 'w2', token: 'new.sig' }),
      'GET /api/jobs': (call) =>
        call.headers['authorization'] === 'Bearer new.sig'
          ? json(200, { jobs: [] })
          : json(401, { error: { code: 'no-session' } }),
    });
    await expect(new ApiClient('/api', fetch, storage).listJobs()).resolves.toEqual([]);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/jobs',
      'POST /api/session',
      'GET /api/jobs',
    ]);
    expect(storage.data.get('gen3d.session')).toBe('new.sig');
  });

  it('does not loop when even a new session is refused', async () => {
    const storage = memoryStorage();
    const { fetch, calls } = fakeFetch({
      'POST /api/session': () => json(201, { userId: 'w2', token: 'new.sig' }),
      'GET /api/jobs': () => json(401, { error: { code: 'no-session' } }),
    });
    await expect(new ApiClient('/api', fetch, storage).listJobs()).rejects.toMatchObject({ status: 401 });
    expect(calls).toHaveLength(4);
  });

  it('asks for a format other than the PLY by name, and for the PLY as before', async () => {
    const link = { url: 'http://s3/x', expiresAt: '', fileName: 'a.glb', bytes: 3 };
    const { fetch, calls } = fakeFetch({
      'GET /api/jobs/job00001/mesh': () => json(200, { ...link, fileName: 'a.ply' }),
      'GET /api/jobs/job00001/mesh?format=glb': () => json(200, link),
    });
    const client = new ApiClient('/api', fetch, memoryStorage());
    expect((await client.meshLink('job00001', 'acc.sig', 'glb')).fileName).toBe('a.glb');
    expect((await client.meshLink('job00001', 'acc.sig', 'ply')).fileName).toBe('a.ply');
    expect((await client.meshLink('job00001', 'acc.sig')).fileName).toBe('a.ply');
    expect(calls.map((c) => c.url)).toEqual([
      '/api/jobs/job00001/mesh?format=glb',
      '/api/jobs/job00001/mesh',
      '/api/jobs/job00001/mesh',
    ]);
  });

  it('sends the prompts and the outputs of an upload as JSON', async () => {
    const storage = memoryStorage();
    storage.setItem('gen3d.session', 'tok.sig');
    const { fetch, calls } = fakeFetch({ 'POST /api/uploads': () => json(201, { name: 'a-1' }) });
    await new ApiClient('/api', fetch, storage).requestUpload({
      fileName: 'a.png',
      size: 1,
      email: 'a@example.com',
      points: [{ x: 1, y: 2, label: 0 }],
      box: { x0: 0, y0: 0, x1: 9, y1: 9 },
      formats: ['ply', 'glb'],
      targetFaces: 50_000,
    });
    expect(JSON.parse(calls[0]?.body ?? '{}')).toMatchObject({
      points: [{ x: 1, y: 2, label: 0 }],
      box: { x0: 0, y0: 0, x1: 9, y1: 9 },
      formats: ['ply', 'glb'],
      targetFaces: 50_000,
    });
  });

  it('reports an unreachable API as status 0', async () => {
    const client = new ApiClient(
      '/api',
      () => Promise.reject(new TypeError('fetch failed')),
      memoryStorage(),
    );
    await expect(client.confirm('x')).rejects.toMatchObject({ status: 0, code: 'unreachable' });
  });
});

describe('the mesh files', () => {
  const link = (fileName: string) => ({ url: '/s3/b/k', expiresAt: '', fileName, bytes: 3 });

  it('fetches the PLY behind a fresh link, with no session header sent to storage', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /api/jobs/job00001/mesh': () => json(200, link('a.ply')),
      'GET /s3/b/k': () => new Response(new Uint8Array([1, 2, 3])),
    });
    const bytes = await new ApiClient('/api', fetch, memoryStorage()).meshBytes('job00001', 'acc.sig');
    expect([...new Uint8Array(bytes)]).toEqual([1, 2, 3]);
    expect(calls.map((c) => c.url)).toEqual(['/api/jobs/job00001/mesh', '/s3/b/k']);
    expect(calls[1]?.headers).toEqual({});
  });

  it('gives a file to save under the name the link names', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /api/jobs/job00001/mesh?format=glb': () => json(200, link('a.glb')),
      'GET /s3/b/k': () => new Response('glTF'),
    });
    const file = await new ApiClient('/api', fetch, memoryStorage()).meshFile('job00001', 'acc.sig', 'glb');
    expect(file.fileName).toBe('a.glb');
    expect(await file.blob.text()).toBe('glTF');
    expect(calls).toHaveLength(2);
  });

  it('turns a refused file into an ApiRequestError with code mesh', async () => {
    const { fetch } = fakeFetch({
      'GET /api/jobs/job00001/mesh': () => json(200, link('a.ply')),
      'GET /s3/b/k': () => new Response('AccessDenied', { status: 403 }),
    });
    const client = new ApiClient('/api', fetch, memoryStorage());
    await expect(client.meshBytes('job00001', 'acc.sig')).rejects.toMatchObject({
      status: 403,
      code: 'mesh',
      message: 'HTTP 403',
    });
    await expect(client.meshFile('job00001', 'acc.sig')).rejects.toBeInstanceOf(ApiRequestError);
  });
});

describe("a job's pictures, its retry and its deletion", () => {
  const session = () => {
    const storage = memoryStorage();
    storage.setItem('gen3d.session', 'tok.sig');
    return storage;
  };

  it('asks for a picture link by kind, with the access token of an email link', async () => {
    const link = { url: '/s3/b/thumb', expiresAt: '2026-01-01T10:15:00.000Z' };
    const { fetch, calls } = fakeFetch({
      'GET /api/jobs/job%2F1/image?kind=thumbnail': () => json(200, link),
      'GET /api/jobs/job00001/image?kind=mask': () => json(200, { ...link, url: '/s3/b/mask' }),
      'GET /s3/b/mask': () => new Response(new Uint8Array([137, 80, 78, 71])),
    });
    const client = new ApiClient('/api', fetch, session());
    expect(await client.imageLink('job/1', 'thumbnail')).toEqual(link);
    expect(calls[0]?.headers['authorization']).toBe('Bearer tok.sig');
    const mask = await client.imageBlob('job00001', 'mask', 'acc.sig');
    expect([...new Uint8Array(await mask.arrayBuffer())]).toEqual([137, 80, 78, 71]);
    expect(calls[1]?.headers).toMatchObject({ 'x-gen3d-access': 'acc.sig' });
    expect(calls[1]?.headers['authorization']).toBeUndefined();
    expect(calls[2]?.headers).toEqual({}); // nothing of the session goes to storage
  });

  it('posts the new options of a retry as JSON and answers the new job', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/jobs/job00001/retry': () => json(202, { jobId: 'job00002', name: 'ball-2' }),
    });
    const client = new ApiClient('/api', fetch, session());
    const answer = await client.retry('job00001', { points: [{ x: 3, y: 4, label: 0 }], shape: 'slab' });
    expect(answer).toEqual({ jobId: 'job00002', name: 'ball-2' });
    expect(JSON.parse(calls[0]?.body ?? '')).toEqual({ points: [{ x: 3, y: 4, label: 0 }], shape: 'slab' });
    expect(calls[0]?.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: 'Bearer tok.sig',
    });
  });

  it('deletes a job with the session (204, no body), and passes on the API’s 404', async () => {
    const { fetch, calls } = fakeFetch({
      'DELETE /api/jobs/job00001': () => new Response(null, { status: 204 }),
      'DELETE /api/jobs/job00009': () =>
        Response.json({ error: { code: 'no-such-job', message: 'There is no such job.' } }, { status: 404 }),
    });
    const client = new ApiClient('/api', fetch, session());
    await expect(client.deleteJob('job00001')).resolves.toBeUndefined();
    expect(calls[0]?.method).toBe('DELETE');
    expect(calls[0]?.headers).not.toHaveProperty('x-gen3d-access');
    await expect(client.deleteJob('job00009')).rejects.toMatchObject({ status: 404, code: 'no-such-job' });
  });
});

describe('where the API is', () => {
  const config = (answer: () => Response | Promise<Response>) => {
    const calls: [string, RequestInit | undefined][] = [];
    const fetch: Fetch = async (url, init) => {
      calls.push([url, init]);
      return answer();
    };
    return { fetch, calls };
  };

  it("reads config.json beside the page, uncached, without the base's trailing slash", async () => {
    const { fetch, calls } = config(() => json(200, { apiBase: 'https://api.example.com/prod/' }));
    await expect(readApiBase(fetch)).resolves.toBe('https://api.example.com/prod');
    expect(calls).toEqual([['./config.json', { cache: 'no-store' }]]);
  });

  it('falls back to the local stack mount point without a usable config', async () => {
    expect(DEFAULT_API_BASE).toBe('/api');
    await expect(readApiBase(config(() => new Response('', { status: 404 })).fetch)).resolves.toBe('/api');
    await expect(readApiBase(config(() => json(200, { apiBase: '' })).fetch)).resolves.toBe('/api');
    await expect(readApiBase(config(() => json(200, { apiBase: 7 })).fetch)).resolves.toBe('/api');
    await expect(readApiBase(config(() => new Response('<html>')).fetch)).resolves.toBe('/api');
    await expect(readApiBase(config(() => Promise.reject(new TypeError('offline'))).fetch)).resolves.toBe(
      '/api',
    );
  });
});

describe('toApiRequestError', () => {
  it('keeps an ApiRequestError and makes anything else a status 0 error with its text', () => {
    const refused = new ApiRequestError(429, 'too-many-jobs', 'wait');
    expect(toApiRequestError(refused)).toBe(refused);
    expect(toApiRequestError(new TypeError('Failed to fetch'))).toMatchObject({
      status: 0,
      code: undefined,
      message: 'TypeError: Failed to fetch',
    });
  });
});

describe('postFile', () => {
  /** Just enough of XMLHttpRequest to see what is sent and to play the upload's events. */
  class FakeXhr {
    method = '';
    url = '';
    body: FormData | undefined;
    status = 0;
    upload: { onprogress?: (event: { lengthComputable: boolean; loaded: number; total: number }) => void } =
      {};
    onload?: () => void;
    onerror?: () => void;
    open(method: string, url: string) {
      this.method = method;
      this.url = url;
    }
    send(body: FormData) {
      this.body = body;
    }
  }

  it('posts the policy fields first and the file last, and reports progress to the end', async () => {
    const xhr = new FakeXhr();
    const progress: number[] = [];
    const done = postFile(
      {
        url: 'http://127.0.0.1:4300/s3/b',
        fields: { key: 'users/w1/input/a-1.png', Policy: 'p' },
        expiresAt: '',
      },
      new Blob([new Uint8Array([137, 80, 78, 71])], { type: 'image/png' }),
      (fraction) => progress.push(fraction),
      () => xhr as unknown as XMLHttpRequest,
    );
    expect([xhr.method, xhr.url]).toEqual(['POST', 'http://127.0.0.1:4300/s3/b']);
    expect([...(xhr.body as FormData).keys()]).toEqual(['key', 'Policy', 'file']);
    xhr.upload.onprogress?.({ lengthComputable: true, loaded: 2, total: 4 });
    xhr.status = 204;
    xhr.onload?.();
    await done;
    expect(progress).toEqual([0.5, 1]);
  });

  it('rejects a refused upload with its status', async () => {
    const xhr = new FakeXhr();
    const done = postFile(
      { url: 'u', fields: {}, expiresAt: '' },
      new Blob([]),
      () => undefined,
      () => xhr as never,
    );
    xhr.status = 403;
    xhr.onload?.();
    await expect(done).rejects.toMatchObject({ status: 403, code: 'upload-refused' });
  });
});
