import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseJobReportJson, parseJobStatusJson } from '@gen3d/events';
import {
  EXTRACT_TALLY,
  extractObject,
  NOTIFY_TALLY,
  notifyObject,
  parseExtractConfig,
  parseNotifyConfig,
  type AsyncInferenceInvoker,
  type OutgoingEmail,
} from '@gen3d/jobs';
import { createLogger } from '@gen3d/logging';
import { bindBucket } from '@gen3d/object-store';
import { InMemoryObjectStore, s3CreatedEvent, type CreatedObjectRecord } from '@gen3d/object-store/testing';
import { createS3BatchHandler } from '@gen3d/runtime';
import { matchNotificationRule } from '@gen3d/s3-keys';
import { callWorker, createSidecarServer, Limiter, WorkerSupervisor, workerSpecFor } from '@gen3d/sidecar';

// ONE in-process flow across every process seam: an S3 upload event → the extract core → an async runner standing for
// SageMaker → the sidecar's HTTP server (in this process) driving the REAL embedded Python worker → the notify core →
// a captured email. Storage is the in-memory store, versioned like the production bucket, whose writes raise the
// S3 events the bucket's notification rules route (libs/s3-keys NOTIFICATION_RULES), as S3 would.
const root = join(__dirname, '../../..');
const python = join(root, '.venv/bin/python');
const BUCKET = 'gen3d-data-bucket';
const ADMIN = 'info@2112-lab.com';
const log = createLogger({ service: 'flow-test', level: 'silent' });
const lambdaContext = (name: string) => ({
  awsRequestId: `req-${name}`,
  functionName: name,
  getRemainingTimeInMillis: () => 30_000,
});

function pictures(): Record<'disk' | 'corrupt', Buffer> {
  const script = [
    'import base64, json, sys',
    'from tests.pngs import rgba',
    'from tests.shapes import disk, two_tone_rgba',
    'png = rgba(two_tone_rgba(disk()))',
    'sys.stdout.write(json.dumps({"disk": base64.b64encode(png).decode(),',
    '                             "corrupt": base64.b64encode(png[:200]).decode()}))',
  ].join('\n');
  const out = JSON.parse(
    execFileSync(python, ['-c', script], {
      cwd: join(root, 'apps/inference-server/worker'),
      encoding: 'utf8',
    }),
  ) as Record<'disk' | 'corrupt', string>;
  return { disk: Buffer.from(out.disk, 'base64'), corrupt: Buffer.from(out.corrupt, 'base64') };
}

/**
 * SageMaker's async endpoint as this test needs it: accept the invocation at once, then POST the request document
 * to the container's /invocations and store its answer where SageMaker would (the output, or the failure record).
 */
class AsyncRunner implements AsyncInferenceInvoker {
  readonly running = new Set<Promise<void>>();

  constructor(
    private readonly store: InMemoryObjectStore,
    private readonly sidecarUrl: () => string,
  ) {}

  async invokeAsync(invocation: Parameters<AsyncInferenceInvoker['invokeAsync']>[0]) {
    const location = new URL(invocation.inputLocation.replace('s3://', 'http://'));
    const data = bindBucket(this.store, location.hostname);
    const body = await data.getText(decodeURIComponent(location.pathname.slice(1)));
    const run = (async () => {
      const response = await fetch(`${this.sidecarUrl()}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const answer = await response.text();
      const key = response.ok
        ? `sagemaker-output/${invocation.inferenceId}.out`
        : `sagemaker-output/failures/${invocation.inferenceId}-error.out`;
      await data.put(key, answer, { contentType: 'application/json' });
    })();
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return { outputLocation: `s3://${location.hostname}/sagemaker-output/${invocation.inferenceId}.out` };
  }
}

describe('one upload, through every seam, to exactly one email', () => {
  const store = new InMemoryObjectStore();
  const data = bindBucket(store, BUCKET);
  const emails: OutgoingEmail[] = [];
  const handled = new Set<Promise<unknown>>();
  const supervisor = new WorkerSupervisor(
    workerSpecFor({ workerMaxJobs: 2, workerHost: 'embedded', workerPython: python, torchserveConfig: '' }),
    log,
  );
  const shutdown = new AbortController();
  const server = createSidecarServer({
    limiter: new Limiter(2, 4),
    isReady: () => supervisor.isReady,
    maxRequestBytes: 64 * 1024,
    log,
    jobDeps: (jobLog) => ({
      data,
      maxUploadBytes: 50 * 1024 * 1024,
      timeoutMs: 60_000,
      shutdown: shutdown.signal,
      now: () => new Date(),
      log: jobLog,
      callWorker: (job, signal) =>
        callWorker(supervisor.predictUrl, job, AbortSignal.any([signal, supervisor.signal])),
    }),
  });
  const runner = new AsyncRunner(store, () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const extractPorts = {
    data,
    invoker: runner,
    config: parseExtractConfig({ SAGEMAKER_ENDPOINT_NAME: 'Gen3DSAMAsyncEndpoint', DATA_BUCKET: BUCKET }),
    clock: () => new Date(),
  };
  const notifyPorts = {
    data,
    mailer: { send: async (email: OutgoingEmail) => (emails.push(email), `message-${emails.length}`) },
    config: parseNotifyConfig({
      DATA_BUCKET: BUCKET,
      ADMIN_EMAIL: ADMIN,
      SOURCE_EMAIL: 'noreply@genesis3d.com',
    }),
    clock: () => new Date(),
  };
  // The Lambdas' entry points: the batch loop around each core, with its ports.
  const extract = createS3BatchHandler({
    logger: log,
    tally: EXTRACT_TALLY,
    handle: (object, invocation) => extractObject(object, extractPorts, invocation),
  });
  const notify = createS3BatchHandler({
    logger: log,
    tally: NOTIFY_TALLY,
    handle: (object, invocation) => notifyObject(object, notifyPorts, invocation),
  });
  const { disk, corrupt } = pictures();

  /** Every key written, in order. */
  const written: string[] = [];
  /** S3 event notifications: every write is routed by the bucket's rules to the handler they name. */
  store.onCreated((object: CreatedObjectRecord) => {
    written.push(object.key);
    const rule = matchNotificationRule(object.key);
    if (!rule || object.bucket !== BUCKET) return;
    const handler = rule.target === 'extract' ? extract : notify;
    const run = handler(s3CreatedEvent([object]), lambdaContext(rule.target));
    handled.add(run);
    void run.finally(() => handled.delete(run)).catch(() => undefined);
  });

  /** Waits until no handler and no inference is running any more. */
  async function settle(): Promise<void> {
    while (handled.size > 0 || runner.running.size > 0) {
      await Promise.allSettled([...handled, ...runner.running]);
    }
  }

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await supervisor.start();
  }, 60_000);

  afterAll(async () => {
    await supervisor.stop(3000);
    await new Promise((resolve) => server.close(resolve));
  });

  it('turns a PNG upload into a mesh, a done status and one email whose link downloads the mesh', async () => {
    const before = emails.length;
    const writtenFrom = written.length;
    const upload = await data.put('users/u1/input/my chair.png', disk, {
      contentType: 'image/png',
      metadata: { email: 'jane@example.com', quality: 'fast' },
    });
    await settle();
    const sent = emails.slice(before);
    expect(sent.map((e) => [e.to, e.subject])).toEqual([['jane@example.com', 'Your 3D model is ready']]);
    const link = /https?:\/\/\S+|memory:\S+/.exec(sent[0]!.text)![0];
    const download = store.fetchLink(link);
    expect(download.status).toBe(200);
    if (download.status !== 200) return;
    expect(Buffer.from(download.body.subarray(0, 10)).toString('latin1')).toBe('ply\nformat');
    expect(sent[0]!.text).toContain('Closed (watertight): yes');
    const [status] = (await data.list('users/u1/jobs/')).filter((o) => o.key.endsWith('/status.json'));
    expect(parseJobStatusJson(await data.getText(status!.key))).toMatchObject({
      state: 'done',
      name: 'my chair',
    });
    expect(await data.head('users/u1/input/my chair.png', upload.versionId)).toBeDefined();
    // The pictures: written before the report and the mesh, the report naming their versions; the thumbnail, a
    // 512 x 512 PNG, travels inside the email (no remote link), which says until when the files are kept.
    const order = written.slice(writtenFrom);
    const at = (suffix: string) => order.indexOf(`users/u1/output/my chair${suffix}`);
    expect(at('.thumb.png')).toBeGreaterThanOrEqual(0);
    expect(at('.mask.png')).toBeGreaterThanOrEqual(0);
    expect(Math.max(at('.thumb.png'), at('.mask.png'))).toBeLessThan(at('.report.json'));
    expect(at('.report.json')).toBeLessThan(at('.ply'));
    const report = parseJobReportJson(await data.getText('users/u1/output/my chair.report.json'));
    const thumb = report.output.images?.find((i) => i.image === 'thumbnail');
    const stored = Buffer.from(await data.get(thumb!.key, 4 * 1024 * 1024, thumb!.versionId));
    expect(stored.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex'))).toBe(true);
    expect([stored.readUInt32BE(16), stored.readUInt32BE(20)]).toEqual([512, 512]);
    expect(
      sent[0]!.inlineImages?.map((i) => [i.cid, i.contentType, Buffer.from(i.bytes).equals(stored)]),
    ).toEqual([['thumbnail@gen3d', 'image/png', true]]);
    expect(sent[0]!.html).toContain('<img src="cid:thumbnail@gen3d"');
    expect(sent[0]!.text).toMatch(/Your files are kept until \d{1,2} \w+ \d{4}/);
  }, 60_000);

  it('makes the formats the upload asks for and links every one from the single email', async () => {
    const sent = await uploadAndSettle('users/u5/input/vase.png', disk, {
      email: 'dana@example.com',
      quality: 'fast',
      formats: 'glb,stl',
      'target-faces': '600',
    });
    expect(sent.map((e) => e.to)).toEqual(['dana@example.com']);
    const links = sent[0]!.text.match(/memory:\S+/g) ?? [];
    expect(links).toHaveLength(3);
    const heads = links.map((link) => {
      const fetched = store.fetchLink(link);
      return fetched.status === 200
        ? Buffer.from(fetched.body.subarray(0, 5)).toString('latin1')
        : fetched.status;
    });
    // PLY, then GLB ("glTF" magic), then STL (binary: an 80-byte header the exporter fills).
    expect(heads[0]).toBe('ply\nf');
    expect(heads[1]).toBe('glTF\u0002');
    expect(typeof heads[2]).toBe('string');
    expect(sent[0]!.text).toContain('GLB (the web, AR viewers, Blender):');
    expect(sent[0]!.text).toContain('Simplified: from');
    expect((await data.list('users/u5/output/')).map((o) => o.key)).toEqual([
      'users/u5/output/vase.glb',
      'users/u5/output/vase.mask.png',
      'users/u5/output/vase.ply',
      'users/u5/output/vase.report.json',
      'users/u5/output/vase.stl',
      'users/u5/output/vase.thumb.png',
    ]);
  }, 60_000);

  /** Uploads a picture as the CLI would, waits for the pipeline to settle, answers the emails it sent. */
  async function uploadAndSettle(key: string, body: Uint8Array, metadata: Record<string, string>) {
    const before = emails.length;
    await data.put(key, body, { contentType: 'image/png', metadata });
    await settle();
    return emails.slice(before);
  }

  it('ends a bad option in the upload in one email that says what was wrong, and makes nothing', async () => {
    const sent = await uploadAndSettle('users/u6/input/lamp.png', disk, {
      email: 'eve@example.com',
      formats: 'glb,fbx',
    });
    expect(sent.map((e) => e.to).sort()).toEqual([ADMIN, 'eve@example.com'].sort());
    expect(sent.find((e) => e.to === 'eve@example.com')!.text).toMatch(/What was wrong: .*formats/);
    expect((await data.list('users/u6/output/')).map((o) => o.key)).toEqual([
      'users/u6/output/lamp.failure.json',
    ]);
  }, 60_000);

  it('turns a JPEG under a .png name into one plain-words email to the uploader and one to the admin', async () => {
    const sent = await uploadAndSettle(
      'users/u2/input/photo.png',
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0]),
      { email: 'bob@example.com' },
    );
    expect(sent.map((e) => e.to).sort()).toEqual([ADMIN, 'bob@example.com'].sort());
    expect(sent.find((e) => e.to === 'bob@example.com')!.text).toContain('not a PNG image');
  }, 60_000);

  it('tells the uploader once when the worker fails, though the container and SageMaker both record it', async () => {
    const sent = await uploadAndSettle('users/u3/input/broken.png', corrupt, { email: 'carol@example.com' });
    // The failure document and SageMaker's failure record are two events for one job: one notification.
    expect(sent.filter((e) => e.to === 'carol@example.com')).toHaveLength(1);
    expect(sent.filter((e) => e.to === ADMIN)).toHaveLength(1);
    expect((await data.list('sagemaker-output/failures/')).length).toBeGreaterThan(0);
  }, 60_000);

  it('sends each of two same-name uploads to its own uploader', async () => {
    const before = emails.length;
    await data.put('users/u4/input/cup.png', disk, {
      contentType: 'image/png',
      metadata: { email: 'first@example.com', quality: 'fast' },
    });
    await data.put('users/u4/input/cup.png', disk, {
      contentType: 'image/png',
      metadata: { email: 'second@example.com', quality: 'fast' },
    });
    await settle();
    const sent = emails
      .slice(before)
      .map((e) => e.to)
      .sort();
    expect(sent).toEqual(['first@example.com', 'second@example.com']);
  }, 60_000);
});
