import { jobReportOf, reportOutputOf } from '@gen3d/events/testing';
import { bindBucket } from '@gen3d/object-store';
import { InMemoryObjectStore } from '@gen3d/object-store/testing';
import {
  createDownloadLinks,
  createDownloadLinkSigner,
  DownloadKeyError,
  redeemDownloadLink,
  type DownloadClaims,
} from './download-links';
import { BUCKET, coreWorld, invocation, objectOf, PNG } from './fixtures/core-world';
import { notifyObject, releaseHeldResults } from './notify';
import type { OutgoingEmail } from './ports';
import { confirmAddress } from './web';

const KEY = Buffer.from('k'.repeat(32) + 'download-link-test-key');
const JOB = '0123456789abcdef0123456789abcdef';
const OTHER_JOB = 'fedcba9876543210fedcba9876543210';
const NOW = new Date('2026-12-07T10:00:00Z');
const IN_7_DAYS = Math.floor(NOW.getTime() / 1000) + 7 * 24 * 3600;

/** Rewrites the claims of a token and keeps its signature (what an attacker can do without the key). */
function edited(token: string, change: (claims: DownloadClaims) => DownloadClaims): string {
  const [payload, signature] = token.split('.') as [string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as DownloadClaims;
  return `${Buffer.from(JSON.stringify(change(claims))).toString('base64url')}.${signature}`;
}

async function world() {
  const store = new InMemoryObjectStore(() => NOW);
  const data = bindBucket(store, 'gen3d-data');
  const meta = { 'job-id': JOB };
  const old = await data.put('users/u1/output/chair.glb', 'old glb', {
    contentType: 'model/gltf-binary',
    metadata: meta,
  });
  const glb = await data.put('users/u1/output/chair.glb', 'glb', {
    contentType: 'model/gltf-binary',
    metadata: meta,
  });
  await data.put('users/u2/output/table.glb', 'theirs', {
    contentType: 'model/gltf-binary',
    metadata: { 'job-id': OTHER_JOB },
  });
  await data.put('users/u1/jobs/0123456789abcdef0123456789abcdef/request.json', '{}', {
    contentType: 'application/json',
  });
  const signer = createDownloadLinkSigner(KEY);
  const claims: DownloadClaims = {
    key: 'users/u1/output/chair.glb',
    ver: glb.versionId as string,
    job: JOB,
    exp: IN_7_DAYS,
  };
  const redeem = (token: string, now = NOW) => redeemDownloadLink(token, { data, signer, now, seconds: 300 });
  return {
    data,
    signer,
    claims,
    redeem,
    versions: { old: old.versionId as string, glb: glb.versionId as string },
  };
}

describe('download link tokens', () => {
  it('refuses to sign or check with an empty or short key', () => {
    expect(() => createDownloadLinkSigner(new Uint8Array(0))).toThrow(DownloadKeyError);
    expect(() => createDownloadLinkSigner(Buffer.from('x'.repeat(31)))).toThrow(/at least 32/);
  });

  it('redeems a token it signed with a presigned URL of the version it names, valid for minutes', async () => {
    const { signer, claims, redeem } = await world();
    const answer = await redeem(signer.sign(claims));
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    const url = new URL(answer.url);
    expect(url.searchParams.get('versionId')).toBe(claims.ver);
    expect(answer.claims.job).toBe(JOB);
  });

  it('works until the date it names, then says expired (410), not invalid', async () => {
    const { signer, claims, redeem } = await world();
    const token = signer.sign(claims);
    expect((await redeem(token, new Date(claims.exp * 1000 - 1000))).ok).toBe(true);
    expect(await redeem(token, new Date(claims.exp * 1000))).toEqual({ ok: false, refusal: 'expired' });
  });

  it('refuses an edited expiry, another key, another version or another job as invalid', async () => {
    const { signer, claims, redeem, versions } = await world();
    const token = signer.sign(claims);
    const attacks = [
      edited(token, (c) => ({ ...c, exp: c.exp + 365 * 24 * 3600 })),
      edited(token, (c) => ({ ...c, key: 'users/u2/output/table.glb' })),
      edited(token, (c) => ({ ...c, key: 'users/u1/jobs/0123456789abcdef0123456789abcdef/request.json' })),
      edited(token, (c) => ({ ...c, ver: versions.old })),
      edited(token, (c) => ({ ...c, job: OTHER_JOB })),
    ];
    for (const attack of attacks) expect(await redeem(attack)).toEqual({ ok: false, refusal: 'invalid' });
  });

  it('refuses a truncated, padded, re-spelled or foreign signature, and junk', async () => {
    const { signer, claims, redeem } = await world();
    const token = signer.sign(claims);
    const [payload, signature] = token.split('.') as [string, string];
    const foreign = createDownloadLinkSigner(Buffer.from('f'.repeat(40))).sign(claims);
    const attacks = [
      token.slice(0, -1),
      `${payload}.${signature.slice(0, 20)}`,
      `${payload}.`,
      `${payload}.${signature}=`,
      `${payload}=.${signature}`,
      `${payload}.${signature}.x`,
      foreign,
      '',
      'not a token',
      'a'.repeat(5000),
    ];
    for (const attack of attacks) expect(await redeem(attack)).toEqual({ ok: false, refusal: 'invalid' });
  });

  it('refuses what a valid signature names but is not a mesh of that job, and a file no longer stored', async () => {
    const { signer, claims, redeem } = await world();
    const request = { ...claims, key: 'users/u1/jobs/0123456789abcdef0123456789abcdef/request.json' };
    delete (request as { ver?: string }).ver;
    expect(await redeem(signer.sign(request))).toEqual({ ok: false, refusal: 'not-a-mesh' });
    const theirs = { key: 'users/u2/output/table.glb', job: JOB, exp: IN_7_DAYS };
    expect(await redeem(signer.sign(theirs))).toEqual({ ok: false, refusal: 'other-job' });
    const gone = { ...claims, key: 'users/u1/output/missing.glb' };
    expect(await redeem(signer.sign(gone))).toEqual({ ok: false, refusal: 'gone' });
  });

  it('builds {apiUrl}/downloads/{token} links that redeem', async () => {
    const { signer, claims, redeem } = await world();
    const links = createDownloadLinks(signer, 'https://api.example.com/');
    const url = links.urlFor(
      { key: claims.key, versionId: claims.ver, jobId: JOB },
      new Date(claims.exp * 1000),
    );
    expect(url).toMatch(/^https:\/\/api\.example\.com\/downloads\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect((await redeem(url.split('/').pop() as string)).ok).toBe(true);
  });
});

describe('the mesh email with download links (a CLI upload: no web app access token)', () => {
  it('links the PLY and every extra format through the API, each redeemed at the version this job wrote', async () => {
    const now = new Date('2026-11-27T04:00:00Z');
    const w = coreWorld(now);
    const jobId = '0123456789abcdef';
    const { record: upload } = await w.put('users/u1/input/cup.png', PNG, { email: 'c@example.com' });
    const glb = await w.put('users/u1/output/cup.glb', 'glTF-bytes', { 'job-id': jobId });
    await w.put('users/u1/output/cup.glb', 'a later glb', { 'job-id': 'ffffffffffffffff' });
    const report = jobReportOf({
      jobId,
      input: { bucket: BUCKET, key: upload.key, versionId: upload.versionId },
      output: reportOutputOf(BUCKET, 'users/u1/output/cup.ply', [
        {
          format: 'glb',
          key: 'users/u1/output/cup.glb',
          bytes: 10,
          versionId: glb.written.versionId as string,
        },
      ]),
    });
    const { record: mesh } = await w.storeResult(report);
    const signer = createDownloadLinkSigner(KEY);
    const links = createDownloadLinks(signer, 'https://api.example.com');
    await notifyObject(objectOf(mesh), { ...w.notifyPorts, links }, invocation());

    const email = w.emails.find((e) => e.to === 'c@example.com') as OutgoingEmail;
    expect(email.text).not.toContain('memory:');
    const urls = email.text.match(/https:\/\/api\.example\.com\/downloads\/\S+/g) ?? [];
    expect(urls).toHaveLength(2);
    const until = new Date(now.getTime() + 7 * 24 * 3600 * 1000);
    expect(email.text).toContain(`before ${until.toUTCString()}`);
    const bodies = [];
    for (const url of urls) {
      const token = url.split('/').pop() as string;
      const answer = await redeemDownloadLink(token, {
        data: w.data,
        signer,
        now: new Date(until.getTime() - 1000),
        seconds: 300,
      });
      if (!answer.ok) throw new Error(`refused: ${answer.refusal}`);
      const fetched = w.store.fetchLink(answer.url);
      bodies.push(
        fetched.status === 200 ? Buffer.from(fetched.body).toString('utf8') : `HTTP ${fetched.status}`,
      );
      expect(await redeemDownloadLink(token, { data: w.data, signer, now: until, seconds: 300 })).toEqual({
        ok: false,
        refusal: 'expired',
      });
    }
    expect(bodies).toEqual(['ply\n', 'glTF-bytes']);
  });
});

describe('a held web upload released by its confirmation, with download links', () => {
  it('opens the web app for the PLY and links the extra formats through the API', async () => {
    const now = new Date('2026-11-27T04:00:00Z');
    const w = coreWorld(now);
    const jobId = '0123456789abcdef';
    const web = { email: 'ann@example.com', access: 'tok.sig' };
    const { record: upload } = await w.put('users/u1/input/cup.png', PNG, web);
    const glb = await w.put('users/u1/output/cup.glb', 'glTF-bytes', { 'job-id': jobId });
    const report = jobReportOf({
      jobId,
      input: { bucket: BUCKET, key: upload.key, versionId: upload.versionId },
      output: reportOutputOf(BUCKET, 'users/u1/output/cup.ply', [
        {
          format: 'glb',
          key: 'users/u1/output/cup.glb',
          bytes: 10,
          versionId: glb.written.versionId as string,
        },
      ]),
    });
    const { record: mesh } = await w.storeResult(report);
    const signer = createDownloadLinkSigner(KEY);
    const ports = {
      ...w.notifyPorts,
      config: { ...w.notifyPorts.config, webUrl: 'https://gen3d.example.com/' },
      links: createDownloadLinks(signer, 'https://api.example.com'),
    };
    expect(await notifyObject(objectOf(mesh), ports, invocation())).toMatchObject({ status: 'held' });
    await confirmAddress(w.data, web.email, 'u1', now);
    const released = await releaseHeldResults({ address: web.email, userId: 'u1' }, ports, invocation());
    expect(released).toMatchObject({ sent: 1 });

    const email = w.emails.find((e) => e.to === web.email) as OutgoingEmail;
    expect(email.text).toContain(`https://gen3d.example.com/#job=${jobId}&access=tok.sig`);
    const urls = email.text.match(/https:\/\/api\.example\.com\/downloads\/\S+/g) ?? [];
    expect(urls).toHaveLength(1);
    const answer = await redeemDownloadLink((urls[0] as string).split('/').pop() as string, {
      data: w.data,
      signer,
      now,
      seconds: 300,
    });
    if (!answer.ok) throw new Error(`refused: ${answer.refusal}`);
    const fetched = w.store.fetchLink(answer.url);
    expect(fetched.status === 200 && Buffer.from(fetched.body).toString('utf8')).toBe('glTF-bytes');
  });
});
