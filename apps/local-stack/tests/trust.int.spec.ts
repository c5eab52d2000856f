import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Browser, cli, isRunning, outbox, pipelineIdle, recipient, StackProcess, until } from './harness';
import { discPng } from './pictures';

// The trust model (decision 0025) tried as an attacker would, against the running stack over loopback: each
// stranger with a session of their own, every email counted once the pipeline is idle.
const work = mkdtempSync(path.join(tmpdir(), 'gen3d-trust-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PNG = discPng(192);

async function mailsTo(home: string, address: string) {
  return (await outbox(path.join(home, 'outbox'))).filter((m) => recipient(m.mail) === address);
}

const confirmTokenOf = (text: string | undefined) =>
  decodeURIComponent(/#confirm=(\S+)/.exec(text ?? '')?.[1] as string);

/** RSS of a process in MB, from /proc. */
function rssMb(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0) / 1024;
}

describe('the web API and the upload route, as strangers use them', () => {
  let stack: StackProcess;
  beforeAll(async () => {
    stack = await new StackProcess(path.join(work, 'home'), { MAX_CONCURRENT_INVOCATIONS: '2' }).ready();
  });
  afterAll(async () => {
    await stack.stop('SIGINT');
  });

  it('one upload grant is one job: a form posted five times makes one job and one result email', async () => {
    const owner = await new Browser(stack.url).start();
    const grant = await owner.grant({ fileName: 'mug.png', size: PNG.length, email: 'replay@example.com' });
    expect(grant.status).toBe(201);
    const posts = [];
    for (let i = 0; i < 5; i += 1) posts.push((await Browser.post(grant.json['upload'], PNG)).status);
    expect(posts).toEqual([204, 204, 204, 204, 204]); // S3 too stores every post: the claim is what stops them
    await pipelineIdle(stack.home);
    const jobs = await owner.jobs();
    expect(jobs).toHaveLength(1);
    expect(await owner.job(jobs[0]!.jobId)).toMatchObject({ state: 'done', email: 'held' });
    const [confirmation, ...others] = await mailsTo(stack.home, 'replay@example.com');
    expect(others).toEqual([]);
    expect(confirmation?.mail.subject).toBe('Confirm your address for Gen3D');
    expect((await owner.confirm(confirmTokenOf(confirmation?.mail.text))).json).toEqual({
      confirmed: true,
      results: { emailed: 1, waiting: 0 },
    });
    await pipelineIdle(stack.home);
    const mails = await mailsTo(stack.home, 'replay@example.com');
    expect(mails.map((m) => m.mail.subject)).toEqual([
      'Confirm your address for Gen3D',
      'Your 3D model is ready',
    ]);
  });

  it("a confirmation releases only the confirmer's results: a stranger's queued results are never sent", async () => {
    const victim = 'victim@example.com';
    const stranger = await new Browser(stack.url).start();
    const fileName = 'Your invoice is overdue pay at evil dot example.png';
    const granted = await stranger.grant({ fileName, size: PNG.length, email: victim });
    expect(granted.status).toBe(201);
    expect((await Browser.post(granted.json['upload'], PNG)).status).toBe(204);
    await pipelineIdle(stack.home);
    const owner = await new Browser(stack.url).start();
    // The stranger's link went out first (this mailbox's budget allows a few a day): the owner gets their own.
    const mine = await owner.grant({ fileName: 'my vase.png', size: PNG.length, email: victim });
    expect(mine.json['address']).toEqual({ confirmed: false, confirmation: 'sent' });
    expect((await Browser.post(mine.json['upload'], PNG)).status).toBe(204);
    await pipelineIdle(stack.home);
    const links = (await mailsTo(stack.home, victim)).filter(
      (m) => m.mail.subject === 'Confirm your address for Gen3D',
    );
    expect(links).toHaveLength(2);
    const ownersLink = links.find((m) => m.mail.text?.includes(`"${mine.json['name'] as string}.png"`));
    expect((await owner.confirm(confirmTokenOf(ownersLink?.mail.text))).json).toEqual({
      confirmed: true,
      results: { emailed: 1, waiting: 0 },
    });
    await pipelineIdle(stack.home);
    const results = (await mailsTo(stack.home, victim)).filter(
      (m) => m.mail.subject !== 'Confirm your address for Gen3D',
    );
    expect(results.map((m) => m.mail.subject)).toEqual(['Your 3D model is ready']);
    expect(results[0]?.mail.text).toContain('my vase');
    expect(results[0]?.mail.text).not.toContain('invoice');
    const [theirs] = await stranger.jobs();
    expect(await stranger.job(theirs!.jobId)).toMatchObject({ state: 'done', email: 'held' });
  });

  it('reads an upload body as it arrives: a chunked 200 MiB post stops at the limit, and memory stays flat', async () => {
    const before = rssMb(stack.pid);
    const sendChunked = (fields: Record<string, string>) =>
      new Promise<{ status: number | undefined; sentMb: number }>((resolve) => {
        const boundary = 'gen3dboundary';
        const target = new URL(`${stack.url}/s3/gen3d-data-bucket`);
        const req = request({
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'transfer-encoding': 'chunked',
          },
        });
        let sent = 0;
        let status: number | undefined;
        const finish = () => resolve({ status, sentMb: sent / 1024 / 1024 });
        req.on('response', (res) => {
          status = res.statusCode;
          res.resume();
          finish();
        });
        // The server closes the connection after its answer: the answer may be parsed just after the reset.
        const later = () => setTimeout(finish, 300);
        req.on('error', later);
        req.on('close', later);
        for (const [name, value] of Object.entries(fields)) {
          req.write(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
        }
        req.write(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="x.png"\r\n\r\n`);
        const chunk = Buffer.alloc(1024 * 1024, 7);
        const pump = () => {
          while (sent < 200 * 1024 * 1024 && status === undefined && !req.destroyed) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          if (!req.destroyed) req.end(`\r\n--${boundary}--\r\n`);
        };
        pump();
      });
    // No signed policy at all: refused before the file is read.
    const anonymous = await sendChunked({});
    expect(anonymous.status).toBe(403);
    expect(anonymous.sentMb).toBeLessThan(200);
    // A real grant, a file past its size range: stopped at the limit, whatever the (absent) length said.
    const browser = await new Browser(stack.url).start();
    const grant = await browser.grant({ fileName: 'big.png', size: 1000, email: 'big@example.com' });
    const oversized = await sendChunked(grant.json['upload']['fields']);
    expect(oversized.status).toBe(413);
    expect(oversized.sentMb).toBeLessThan(200);
    expect(rssMb(stack.pid) - before).toBeLessThan(120);
  });

  it('answers only to its own host names, with security headers, and /health shows no paths or pids', async () => {
    const health = await fetch(`${stack.url}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('referrer-policy')).toBe('no-referrer');
    expect(health.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const rebound = await new Promise<number | undefined>((resolve) => {
      const target = new URL(`${stack.url}/api/jobs`);
      const req = request({
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        headers: { host: 'evil.example' },
      });
      req.on('response', (res) => (res.resume(), resolve(res.statusCode)));
      req.end();
    });
    expect(rebound).toBe(421);
    // The operator routes: an empty or wrong bearer token opens nothing; the scheme in any case works.
    const token = readFileSync(path.join(stack.home, 'operator.token'), 'utf8').trim();
    for (const authorization of ['Bearer ', 'Bearer x', '']) {
      expect((await fetch(`${stack.url}/local/jobs?userId=u`, { headers: { authorization } })).status).toBe(
        401,
      );
    }
    expect(
      (await fetch(`${stack.url}/local/jobs?userId=u`, { headers: { authorization: `bearer ${token}` } }))
        .status,
    ).toBe(200);
  });

  it('status and open show each job its own mesh when two uploads share a name', async () => {
    const envOf = { GEN3D_HOME: stack.home, GEN3D_STACK_URL: stack.url, GEN3D_USER: 'twin' };
    const dirs = ['first', 'second'].map((d) => path.join(work, d));
    dirs.forEach((dir, i) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'same.png'), discPng(i === 0 ? 160 : 224));
    });
    const jobs = [];
    for (const dir of dirs) {
      const run = await cli(['submit', path.join(dir, 'same.png'), '--wait', '--json'], envOf);
      expect(run.code).toBe(0);
      jobs.push(JSON.parse(run.stdout) as { job: { jobId: string } });
    }
    const opened = [];
    for (const job of jobs) {
      const out = path.join(work, `${job.job.jobId}.ply`);
      expect((await cli(['open', job.job.jobId, '--out', out], envOf)).code).toBe(0);
      opened.push(readFileSync(out));
    }
    expect(opened[0]?.equals(opened[1] as Buffer)).toBe(false);
    const first = JSON.parse((await cli(['status', jobs[0]!.job.jobId, '--json'], envOf)).stdout) as {
      files: { path: string }[];
    };
    expect(readFileSync(first.files[0]!.path).equals(opened[0] as Buffer)).toBe(true);
  });

  it('long names never leave a job stuck: the API shortens them so every key fits, the CLI refuses them up front', async () => {
    const browser = await new Browser(stack.url).start();
    const grant = await browser.grant({
      fileName: `${'é'.repeat(120)}.png`,
      size: PNG.length,
      email: 'long@example.com',
    });
    expect(grant.status).toBe(201);
    expect((await Browser.post(grant.json['upload'], PNG)).status).toBe(204);
    const job = await until('the job to end', async () => {
      const [found] = await browser.jobs();
      return found?.state === 'done' || found?.state === 'failed' ? found : undefined;
    });
    expect(job.state).toBe('done');
    const dir = path.join(work, 'long');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${'é'.repeat(121)}.png`);
    writeFileSync(file, PNG);
    const refused = await cli(['submit', file], {
      GEN3D_HOME: stack.home,
      GEN3D_STACK_URL: stack.url,
      GEN3D_USER: 'long',
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/longer than 240 bytes/);
  });
});

describe('the local stack fails closed', () => {
  it('replaces an empty operator token instead of opening /local to anyone', async () => {
    const home = path.join(work, 'home-empty-token');
    mkdirSync(home, { recursive: true });
    writeFileSync(path.join(home, 'operator.token'), '');
    const stack = await new StackProcess(home).ready();
    try {
      const token = readFileSync(path.join(home, 'operator.token'), 'utf8').trim();
      expect(token.length).toBeGreaterThanOrEqual(32);
      expect(stack.lines.some((l) => String(l['msg']).includes('operator.token held 0 characters'))).toBe(
        true,
      );
      expect(
        (await fetch(`${stack.url}/local/jobs?userId=u`, { headers: { authorization: 'Bearer ' } })).status,
      ).toBe(401);
    } finally {
      await stack.stop('SIGINT');
    }
  });

  it('leaves no sidecar behind when the stack dies without a word (SIGKILL)', async () => {
    const stack = await new StackProcess(path.join(work, 'home-orphan')).ready();
    const { sidecar, workers } = await stack.processes();
    stack.kill('SIGKILL');
    await stack.exited;
    await until(
      'the sidecar and its worker to stop by themselves',
      () => ([sidecar, ...workers].every((pid) => !isRunning(pid)) ? true : undefined),
      30_000,
    );
  });

  it('refuses to bind beyond loopback unless told so explicitly, in one line', async () => {
    const stack = new StackProcess(path.join(work, 'home-remote'), { GEN3D_BIND_HOST: '0.0.0.0' });
    expect(await stack.exited).toBe(2);
    expect(stack.errors.trim().split('\n')).toHaveLength(1);
    expect(stack.errors).toContain('GEN3D_ALLOW_REMOTE=1');
  });
});
