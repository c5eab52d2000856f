import { randomBytes } from 'node:crypto';
import { createDownloadLinks, createDownloadLinkSigner } from '@gen3d/jobs';
import { createLogger } from '@gen3d/logging';
import { bindBucket } from '@gen3d/object-store';
import { InMemoryObjectStore } from '@gen3d/object-store/testing';
import { createApiHandler } from './api';
import { parseApiConfig } from './config';
import { createTokenSigner } from './tokens';

// GET /downloads/{token}: the emails' links, redeemed with a presigned URL of a few minutes, or a plain page.
const JOB = '0123456789abcdef';

async function world(options: { withKey?: boolean } = {}) {
  let now = new Date('2026-12-07T10:00:00Z');
  const store = new InMemoryObjectStore(() => now);
  const data = bindBucket(store, 'gen3d-data');
  const signer = createDownloadLinkSigner(randomBytes(32));
  const handle = createApiHandler({
    data,
    signUpload: async () => {
      throw new Error('not used');
    },
    tokens: createTokenSigner(randomBytes(32)),
    sendEmail: async () => undefined,
    now: () => now,
    log: createLogger({ service: 'api-test', level: 'silent' }),
    config: parseApiConfig({ WEB_URL: 'http://127.0.0.1:4300/' }),
    ...(options.withKey === false ? {} : { downloads: signer }),
  });
  const written = await data.put('users/u1/output/chair.glb', 'glb', {
    contentType: 'model/gltf-binary',
    metadata: { 'job-id': JOB },
  });
  const links = createDownloadLinks(signer, 'https://api.example.com');
  const until = new Date(now.getTime() + 7 * 24 * 3600 * 1000);
  const url = links.urlFor(
    { key: 'users/u1/output/chair.glb', versionId: written.versionId, jobId: JOB },
    until,
  );
  const get = (path: string) => handle({ method: 'GET', path, query: {}, headers: {} });
  return {
    store,
    data,
    get,
    path: new URL(url).pathname,
    advance: (ms: number) => void (now = new Date(now.getTime() + ms)),
  };
}

describe('GET /downloads/{token}', () => {
  it('answers 302 to a presigned URL of MESH_LINK_SECONDS for the version the job wrote', async () => {
    const w = await world();
    const answer = await w.get(w.path);
    expect(answer.status).toBe(302);
    expect(answer.headers['cache-control']).toBe('no-store');
    const fetched = w.store.fetchLink(answer.headers['location'] as string);
    expect(fetched.status === 200 && Buffer.from(fetched.body).toString()).toBe('glb');
    // The redirect's URL itself is short-lived: five minutes later it no longer works, the email's link still does.
    w.advance(301_000);
    expect(w.store.fetchLink(answer.headers['location'] as string).status).not.toBe(200);
    expect((await w.get(w.path)).status).toBe(302);
  });

  it('answers an edited or truncated token with a 403 page, and an expired one with a 410 page', async () => {
    const w = await world();
    const truncated = await w.get(w.path.slice(0, -3));
    expect(truncated.status).toBe(403);
    expect(truncated.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(truncated.body).toContain('This download link is not valid');
    expect(truncated.body).not.toMatch(/Error|at \w+ \(|users\//);
    const [payload, signature] = (w.path.split('/').pop() as string).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp: number };
    const later = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86400 })).toString('base64url');
    expect((await w.get(`/downloads/${later}.${signature}`)).status).toBe(403);
    w.advance(7 * 24 * 3600 * 1000);
    const expired = await w.get(w.path);
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('This download link has expired');
  });

  it('answers 410 once the file is no longer stored, and 403 to every link without a configured key', async () => {
    const w = await world();
    const version = (await w.data.head('users/u1/output/chair.glb'))?.versionId as string;
    await w.data.delete('users/u1/output/chair.glb', version);
    const gone = await w.get(w.path);
    expect(gone.status).toBe(410);
    expect(gone.body).toContain('no longer stored');
    const unconfigured = await world({ withKey: false });
    expect((await unconfigured.get(unconfigured.path)).status).toBe(403);
  });
});
