import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  cli,
  isRunning,
  outbox,
  pipelineIdle,
  readPly,
  recipient,
  sleep,
  StackProcess,
  until,
} from './harness';
import { FolderObjectStore } from '@gen3d/object-store';
import { discPng, JPEG_BYTES } from './pictures';

// End to end, as a person uses it: the local stack started as a process (`npm start` runs the same file), pictures
// submitted with the built CLI, the mesh read by a real PLY reader, the mail by a real mail parser, links followed.
const work = mkdtempSync(path.join(tmpdir(), 'gen3d-e2e-'));
const pictures = path.join(work, 'pictures');
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  mkdirSync(pictures);
  writeFileSync(path.join(pictures, 'red chair.png'), discPng(256));
  writeFileSync(path.join(pictures, 'large.png'), discPng(2048));
  writeFileSync(path.join(pictures, 'nothing.png'), discPng(128, { empty: true }));
  writeFileSync(path.join(pictures, 'truncated.png'), discPng(256).subarray(0, 400));
  writeFileSync(path.join(pictures, 'photo.png'), JPEG_BYTES);
  writeFileSync(path.join(pictures, 'mask.png'), discPng(256, { mask: true }));
});

const env = (stack: StackProcess, user: string) => ({
  GEN3D_HOME: stack.home,
  GEN3D_STACK_URL: stack.url,
  GEN3D_USER: user,
});

/** The CLI's arguments to submit one of the test pictures for an address, then any flags. */
const submitArgs = (picture: string, email: string, ...flags: string[]) => [
  'submit',
  path.join(pictures, picture),
  '--email',
  email,
  ...flags,
];

interface JobJson {
  job: { jobId: string; state: string; error?: { code: string; reason: string } };
  files: { format: string; url: string; path?: string }[];
}

describe('the local stack, end to end', () => {
  let stack: StackProcess;
  beforeAll(async () => {
    stack = await new StackProcess(path.join(work, 'home-main')).ready();
  });
  afterAll(async () => {
    await stack.stop('SIGINT');
  });

  it('turns a PNG into a PLY and one email whose link downloads that PLY', async () => {
    const result = await cli(
      submitArgs('red chair.png', 'ada@example.com', '--quality', 'fast', '--wait', '--json'),
      env(stack, 'ada'),
    );
    expect(result).toMatchObject({ code: 0 });
    const job = JSON.parse(result.stdout) as JobJson;
    expect(job.job.state).toBe('done');
    expect(job.files[0]?.path).toBe(
      path.join(stack.home, 'data/gen3d-data-bucket/users/ada/output/red chair.ply'),
    );
    const ply = await readPly(job.files[0]?.path as string);
    expect(ply).toMatchObject({ watertight: true, colours: true });
    expect(ply.faces).toBeGreaterThan(1000);

    const mails = await until('the email', async () => {
      const all = (await outbox(path.join(stack.home, 'outbox'))).filter(
        (m) => recipient(m.mail) === 'ada@example.com',
      );
      return all.length > 0 ? all : undefined;
    });
    // Counted once the pipeline is idle, not when the first email appears.
    await pipelineIdle(stack.home);
    const settled = (await outbox(path.join(stack.home, 'outbox'))).filter(
      (m) => recipient(m.mail) === 'ada@example.com',
    );
    expect(settled).toHaveLength(1);
    const { mail } = mails[0] as (typeof mails)[number];
    expect(mail.subject).toBe('Your 3D model is ready');
    expect(mail.text).toContain('"red chair.png"');
    expect(mail.html).toContain('<a href=');
    // A download link (decision 0038): the API redeems it with a short-lived signed /s3 URL of the version the job wrote.
    const link = /(http:\/\/127\.0\.0\.1:\d+\/api\/downloads\/\S+)/.exec(mail.text ?? '')?.[1] as string;
    const redirect = await fetch(link, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/s3\/.*red%20chair\.ply\?/);
    const download = await fetch(link);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(readFileSync(job.files[0]?.path as string))).toBe(
      true,
    );
    const [payload, signature] = (link.split('/').pop() as string).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const reEncoded = (change: Record<string, unknown>) =>
      `${link.slice(0, link.lastIndexOf('/') + 1)}${Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url')}.${signature}`;
    for (const edited of [
      reEncoded({ exp: 99999999999 }),
      reEncoded({ key: 'users/ada/output/red chair.report.json' }),
      link.slice(0, -4),
    ]) {
      const refused = await fetch(edited);
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('This download link is not valid');
    }

    const status = await cli(['status', job.job.jobId, '--json'], env(stack, 'ada'));
    expect(JSON.parse(status.stdout).job.state).toBe('done');
    const list = await cli(['list', '--json'], env(stack, 'ada'));
    expect(JSON.parse(list.stdout).jobs.map((j: JobJson) => j.job.jobId)).toEqual([job.job.jobId]);
    const out = path.join(work, 'opened.ply');
    expect((await cli(['open', job.job.jobId, '--out', out], env(stack, 'ada'))).code).toBe(0);
    expect(readFileSync(out).equals(readFileSync(job.files[0]?.path as string))).toBe(true);
  });

  it('prints one plain line per stage when not on a terminal, and where the mesh is', async () => {
    const result = await cli(
      ['submit', path.join(pictures, 'red chair.png'), '--email', 'pat@example.com', '--wait'],
      env(stack, 'pat'),
    );
    expect(result.code).toBe(0);
    const stages = result.stderr
      .trim()
      .split('\n')
      .map((line) => line.replace(/^\d+\.\d s {2}/, ''));
    expect(stages[stages.length - 1]).toBe('red chair.png: done');
    const order = ['uploaded, waiting for the pipeline', 'queued', 'reconstructing', 'done'].map(
      (st) => `red chair.png: ${st}`,
    );
    // Each stage once, in the pipeline's order (a fast one may pass between two polls).
    expect(stages.map((line) => order.indexOf(line))).toEqual(
      [...new Set(stages.map((line) => order.indexOf(line)))].sort(),
    );
    expect(stages.every((line) => order.includes(line))).toBe(true);
    expect(result.stdout).toMatch(/^job [0-9a-f]{32}: red chair\.png is done\n/);
    expect(result.stdout).toContain(
      `file: ${path.join(stack.home, 'data/gen3d-data-bucket/users/pat/output/red chair.ply')}`,
    );
  });

  it('passes a user mask and a point prompt through to the worker', async () => {
    const result = await cli(
      submitArgs(
        'red chair.png',
        'max@example.com',
        '--mask',
        path.join(pictures, 'mask.png'),
        '--point',
        '128,128',
        '--wait',
        '--json',
      ),
      env(stack, 'max'),
    );
    expect(result.code).toBe(0);
    const job = JSON.parse(result.stdout) as JobJson & { report: { worker: { mask: { source: string } } } };
    expect(job.report.worker.mask.source).toBe('user-mask');
  });

  it('makes the formats asked for, links each from the email, and opens the one asked for', async () => {
    const result = await cli(
      submitArgs(
        'red chair.png',
        'fay@example.com',
        '--quality',
        'fast',
        '--point',
        '128,128',
        '--negative-point',
        '2,2',
        '--box',
        '10,10,246,246',
        '--formats',
        'glb,3mf',
        '--target-faces',
        '1500',
        '--wait',
        '--json',
      ),
      env(stack, 'fay'),
    );
    expect(result.code).toBe(0);
    const job = JSON.parse(result.stdout) as JobJson & {
      report: { worker: { mesh: { faces: number; decimation?: { applied: boolean } } } };
    };
    expect(job.report.worker.mesh.decimation?.applied).toBe(true);
    const out = path.join(work, 'fay.glb');
    expect(
      (await cli(['open', job.job.jobId, '--format', 'glb', '--out', out], env(stack, 'fay'))).code,
    ).toBe(0);
    const glb = readFileSync(out);
    expect(glb.toString('latin1', 0, 4)).toBe('glTF');
    expect(glb.readUInt32LE(8)).toBe(glb.length);
    const none = await cli(['open', job.job.jobId, '--format', 'stl'], env(stack, 'fay'));
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('made no STL (it made: ply, glb, 3mf)');
    const mails = await until('the email', async () => {
      const all = (await outbox(path.join(stack.home, 'outbox'))).filter(
        (m) => recipient(m.mail) === 'fay@example.com',
      );
      return all.length > 0 ? all : undefined;
    });
    const links = (mails[0]?.mail.text ?? '').match(/http:\/\/127\.0\.0\.1:\d+\/api\/downloads\/\S+/g) ?? [];
    const answers = await Promise.all(links.map((l) => fetch(l)));
    expect(answers.map((a) => /red%20chair\.(\w+)/.exec(a.url)?.[1])).toEqual(['ply', 'glb', '3mf']);
    const bodies = await Promise.all(answers.map(async (a) => Buffer.from(await a.arrayBuffer())));
    expect(bodies[1]?.equals(glb)).toBe(true);
    expect(bodies[2]?.subarray(0, 2).toString('latin1')).toBe('PK'); // 3MF is a zip package
  });

  it.each([
    ['a truncated PNG', 'truncated.png', 'CorruptImageError'],
    ['a picture with no object', 'nothing.png', 'NoObjectFoundError'],
  ])('ends %s in a failed status and one failure email', async (_what, file, code) => {
    const user = `u-${code}`;
    const result = await cli(
      ['submit', path.join(pictures, file), '--email', `${user}@example.com`, '--wait', '--json'],
      env(stack, user),
    );
    expect(result.code).toBe(1);
    const job = JSON.parse(result.stdout) as JobJson;
    expect(job.job).toMatchObject({ state: 'failed', error: { code } });
    const mails = await until('the failure email', async () => {
      const all = (await outbox(path.join(stack.home, 'outbox'))).filter(
        (m) => recipient(m.mail) === `${user}@example.com`,
      );
      return all.length > 0 ? all : undefined;
    });
    await pipelineIdle(stack.home);
    expect(
      (await outbox(path.join(stack.home, 'outbox'))).filter(
        (m) => recipient(m.mail) === `${user}@example.com`,
      ),
    ).toHaveLength(1);
    expect(mails[0]?.mail.subject).toBe('We could not make your 3D model');
    expect(mails[0]?.mail.text).toContain(job.job.error?.reason);
  });

  it('shows the thumbnail, retries with a prompt (a second email), deletes every version of the first job, exports and redrives', async () => {
    const user = env(stack, 'eve');
    const bucketDir = path.join(stack.home, 'data/gen3d-data-bucket');
    const submitted = await cli(
      ['submit', path.join(pictures, 'red chair.png'), '--email', 'eve@example.com', '--wait', '--json'],
      user,
    );
    expect(submitted.code).toBe(0);
    const firstId = (JSON.parse(submitted.stdout) as JobJson).job.jobId;
    const status = JSON.parse((await cli(['status', firstId, '--json'], user)).stdout) as JobJson & {
      job: { finishedAt: string; keptUntil: string };
      images: { image: string; path: string; url: string }[];
    };
    const thumbnail = status.images.find((i) => i.image === 'thumbnail');
    expect(thumbnail?.path).toBe(path.join(bucketDir, 'users/eve/output/red chair.thumb.png'));
    expect(
      readFileSync(thumbnail?.path as string)
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect((await fetch(thumbnail?.url as string)).status).toBe(200);
    expect(Date.parse(status.job.keptUntil) - Date.parse(status.job.finishedAt)).toBe(30 * 86_400_000);

    const retried = await cli(['retry', firstId, '--point', '128,128', '--json'], user);
    expect(retried.code).toBe(0);
    const retry = JSON.parse(retried.stdout) as { jobId: string; name: string };
    expect(retry.name).toMatch(/^red chair-[0-9a-f]{8}$/);
    const second = await until(
      'the retry to be done',
      async () => {
        const answer = await cli(['status', retry.jobId, '--json'], user);
        const job = answer.code === 0 ? (JSON.parse(answer.stdout) as JobJson) : undefined;
        return job?.job.state === 'done' ? job : undefined;
      },
      120_000,
    );
    await pipelineIdle(stack.home);
    const mails = (await outbox(path.join(stack.home, 'outbox'))).filter(
      (m) => recipient(m.mail) === 'eve@example.com',
    );
    expect(mails).toHaveLength(2);

    const deleted = await cli(['delete', firstId, '--json'], user);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ deleted: { input: 1, output: expect.any(Number) } });
    const store = new FolderObjectStore({ root: path.join(stack.home, 'data') });
    const left = (await store.listVersions('gen3d-data-bucket', 'users/eve/')).map((v) => v.key);
    expect(left.filter((key) => /\/red chair\./.test(key) || key.includes(firstId))).toEqual([]);
    expect(existsSync(path.join(bucketDir, 'users/eve/input/red chair.png'))).toBe(false);
    expect(existsSync(path.join(bucketDir, 'users/eve/output/red chair.thumb.png'))).toBe(false);
    expect(existsSync(second.files[0]?.path as string)).toBe(true);
    expect((await cli(['status', firstId], user)).code).toBe(1);

    const folder = path.join(work, 'export-eve');
    expect((await cli(['export', '--user', 'eve', '--to', folder], user)).code).toBe(0);
    expect(readFileSync(path.join(folder, `users/eve/input/${retry.name}.png`))).toEqual(
      readFileSync(path.join(pictures, 'red chair.png')),
    );
    expect(existsSync(path.join(folder, 'users/eve/input/red chair.png'))).toBe(false);
    const redriven = await cli(['redrive', '--json'], user);
    expect(redriven.code).toBe(0);
    expect(JSON.parse(redriven.stdout)).toMatchObject({ moved: 0, jobs: [] });
  });

  it('refuses a JPEG named .png before uploading; uploaded anyway, it fails with an email', async () => {
    const refused = await cli(
      ['submit', path.join(pictures, 'photo.png'), '--email', 'jo@example.com'],
      env(stack, 'jo'),
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not a PNG: it is a JPEG image. Nothing was uploaded.');
    // The same bytes through a browser-style upload (no check in between): the pipeline refuses them itself.
    const token = readFileSync(path.join(stack.home, 'operator.token'), 'utf8').trim();
    const local = (route: string, init: RequestInit = {}) =>
      fetch(`${stack.url}/local${route}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
    const forms = (await (
      await local('/uploads', {
        method: 'POST',
        body: JSON.stringify({ userId: 'jo', name: 'photo', email: 'jo@example.com' }),
      })
    ).json()) as { key: string; upload: { url: string; fields: Record<string, string> } };
    const formWith = (changes: Record<string, string>) => {
      const form = new FormData();
      for (const [name, value] of Object.entries({ ...forms.upload.fields, ...changes }))
        form.append(name, value);
      form.append('file', new Blob([JPEG_BYTES]));
      return form;
    };
    // The stack's upload route holds the form to its signed policy: another key or another recipient is refused.
    const altered: Record<string, string>[] = [
      { key: 'users/eve/input/photo.png' },
      { 'x-amz-meta-email': 'eve@example.com' },
    ];
    for (const changes of altered) {
      const refused = await fetch(forms.upload.url, { method: 'POST', body: formWith(changes) });
      expect(refused.status).toBe(403);
    }
    const posted = await fetch(forms.upload.url, { method: 'POST', body: formWith({}) });
    expect(posted.status).toBe(204);
    const query = new URLSearchParams({
      userId: 'jo',
      key: forms.key,
      versionId: posted.headers.get('x-amz-version-id') as string,
      eTag: posted.headers.get('etag') as string,
    });
    const { jobId } = (await (await local(`/jobs/by-upload?${query}`)).json()) as { jobId: string };
    const status = await until('the failed status', async () => {
      const answer = await cli(['status', jobId, '--json'], env(stack, 'jo'));
      const job =
        answer.code === 2 || answer.stdout === '' ? undefined : (JSON.parse(answer.stdout) as JobJson);
      return job?.job.state === 'failed' ? job.job : undefined;
    });
    expect(status.error).toMatchObject({ code: 'NotAPngError' });
    const mails = await until('the failure email', async () => {
      const all = (await outbox(path.join(stack.home, 'outbox'))).filter(
        (m) => recipient(m.mail) === 'jo@example.com',
      );
      return all.length > 0 ? all : undefined;
    });
    await pipelineIdle(stack.home);
    expect(
      (await outbox(path.join(stack.home, 'outbox'))).filter((m) => recipient(m.mail) === 'jo@example.com'),
    ).toHaveLength(1);
    expect(mails[0]?.mail.text).toContain('not a PNG image');
  });

  it('fails a job whose worker is killed mid-job, with an email, and the next job works', async () => {
    // The kill must land while the worker runs the job; on a loaded machine the job can finish first (it takes
    // about a second), so a job that ends done is submitted again, up to three times.
    let failed: JobJson | undefined;
    for (let attempt = 0; attempt < 3 && failed?.job?.state !== 'failed'; attempt += 1) {
      const submitted = await cli(
        submitArgs('large.png', 'kim@example.com', '--quality', 'high', '--json'),
        env(stack, 'kim'),
      );
      const { jobId } = JSON.parse(submitted.stdout) as { jobId: string };
      const statusOf = async () =>
        JSON.parse((await cli(['status', jobId, '--json'], env(stack, 'kim'))).stdout || '{}') as JobJson;
      const reached = await until('reconstructing', async () => {
        const state = (await statusOf()).job?.state;
        return state === 'reconstructing' || state === 'done' ? state : undefined;
      });
      if (reached === 'done') continue; // finished before it could be killed
      await sleep(100); // inside the worker call
      const { workers } = await stack.processes();
      expect(workers.length).toBe(1);
      process.kill(workers[0] as number, 'SIGKILL');
      failed = await until('the final status', async () => {
        const job = await statusOf();
        return job.job?.state === 'failed' || job.job?.state === 'done' ? job : undefined;
      });
    }
    expect(failed?.job).toMatchObject({ state: 'failed', error: { code: 'WorkerCrashedError' } });
    await until('the failure email', async () =>
      (await outbox(path.join(stack.home, 'outbox'))).some(
        (m) =>
          recipient(m.mail) === 'kim@example.com' && (m.mail.text ?? '').includes('stopped unexpectedly'),
      )
        ? true
        : undefined,
    );
    const again = await cli(
      ['submit', path.join(pictures, 'red chair.png'), '--email', 'kim@example.com', '--wait', '--json'],
      env(stack, 'kim'),
    );
    expect(again.code).toBe(0);
  });
});

describe('restarts and stops', () => {
  it('loses no job and sends no email twice when the stack is killed mid-job and started again', async () => {
    const home = path.join(work, 'home-restart');
    const first = await new StackProcess(home).ready();
    const before = await first.processes();
    const submitted = await cli(
      submitArgs('large.png', 'rex@example.com', '--quality', 'high', '--json'),
      env(first, 'rex'),
    );
    const { jobId } = JSON.parse(submitted.stdout) as { jobId: string };
    const state = async (s: StackProcess) =>
      (JSON.parse((await cli(['status', jobId, '--json'], env(s, 'rex'))).stdout || '{}') as JobJson).job
        ?.state;
    await until('reconstructing', async () => ((await state(first)) === 'reconstructing' ? true : undefined));
    first.kill('SIGKILL'); // a crash: no clean-up at all
    await first.exited;

    const second = await new StackProcess(home).ready();
    expect(isRunning(before.sidecar)).toBe(false); // the orphaned sidecar of the first run was stopped
    await until(
      'done after the restart',
      async () => ((await state(second)) === 'done' ? true : undefined),
      90_000,
    );
    await sleep(1500); // any duplicate delivery would land now
    const mails = (await outbox(path.join(home, 'outbox'))).filter(
      (m) => recipient(m.mail) === 'rex@example.com',
    );
    expect(mails.map((m) => m.mail.subject)).toEqual(['Your 3D model is ready']);

    const running = await second.processes();
    expect(await second.stop('SIGINT')).toBe(0);
    await sleep(1000); // the worker host notices its parent is gone within half a second
    for (const pid of [running.sidecar, ...running.workers, ...before.workers])
      expect(isRunning(pid)).toBe(false);
  });

  it('on Ctrl-C lets the job in flight finish and send its email, then stops with nothing left running', async () => {
    const home = path.join(work, 'home-ctrl-c');
    const stack = await new StackProcess(home).ready();
    const submitted = await cli(
      submitArgs('large.png', 'cy@example.com', '--quality', 'high', '--json'),
      env(stack, 'cy'),
    );
    const { jobId } = JSON.parse(submitted.stdout) as { jobId: string };
    const statusFile = path.join(home, 'data/gen3d-data-bucket/users/cy/jobs', jobId, 'status.json');
    // The CLI answers once the upload is stored: the extract core writes the status a moment later.
    const state = () =>
      existsSync(statusFile)
        ? (JSON.parse(readFileSync(statusFile, 'utf8')) as { state: string }).state
        : undefined;
    await until('reconstructing', () => (state() === 'reconstructing' ? true : undefined));
    const running = await stack.processes();
    expect(await stack.stop('SIGINT')).toBe(0);
    expect(state()).toBe('done');
    const mails = (await outbox(path.join(home, 'outbox'))).filter(
      (m) => recipient(m.mail) === 'cy@example.com',
    );
    expect(mails.map((m) => m.mail.subject)).toEqual(['Your 3D model is ready']);
    await sleep(1000);
    for (const pid of [running.sidecar, ...running.workers]) expect(isRunning(pid)).toBe(false);
  });

  it('says in one line that its port is taken, and the CLI says when no stack runs', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const stack = new StackProcess(path.join(work, 'home-port'), { GEN3D_STACK_PORT: String(port) });
    expect(await stack.exited).toBe(3);
    expect(stack.errors.trim()).toBe(
      `gen3d local stack: port ${port} on 127.0.0.1 is in use: stop what runs there or set GEN3D_STACK_PORT`,
    );
    await new Promise((resolve) => blocker.close(resolve)); // now nothing listens there
    const down = await cli(['list'], {
      GEN3D_HOME: path.join(work, 'home-main'),
      GEN3D_STACK_URL: `http://127.0.0.1:${port}`,
    });
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(
      /^gen3d: the local stack is not running on http:\/\/127\.0\.0\.1:\d+ .*start it with `npm start`/,
    );
    const bad = await cli(['submit', 'x.png', '--colour', 'red'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^gen3d: Unknown option '--colour'/);
  });
});
