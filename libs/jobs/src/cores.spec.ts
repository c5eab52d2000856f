import { parseFailureDocumentJson, parseJobStatusJson } from '@gen3d/events';
import { buildFailureDocument } from './documents';
import { PermanentMailError } from './errors';
import { extractObject } from './extract';
import { BUCKET, coreWorld, invocation, objectOf, PNG } from './fixtures/core-world';
import { notifyObject } from './notify';
import { confirmAddress } from './web';
import type { CreatedObjectRecord } from '@gen3d/object-store/testing';

const world = coreWorld;

describe('the extract core', () => {
  it('writes the request, the job index and a queued status, then invokes once', async () => {
    const w = world();
    const record = await w.upload('users/u1/input/chair.png', PNG, {
      email: 'a@example.com',
      mask: 'users/u1/masks/chair.png',
      shape: 'slab',
    });
    const outcome = await extractObject(objectOf(record), w.extractPorts, invocation());
    expect(outcome).toMatchObject({ status: 'started' });
    const jobId = (outcome as { jobId: string }).jobId;
    const request = await w.docs.findRequest(jobId as never);
    expect(request).toMatchObject({
      input: { key: 'users/u1/input/chair.png', versionId: record.versionId },
      options: { maskKey: 'users/u1/masks/chair.png', shape: 'slab' },
      invocationTimeoutSeconds: 3600,
    });
    expect(w.invoked).toEqual([
      {
        inputLocation: `s3://${BUCKET}/users/u1/jobs/${jobId}/request.json`,
        inferenceId: jobId,
        requestTtlSeconds: 21600,
        invocationTimeoutSeconds: 3600,
      },
    ]);
    const status = parseJobStatusJson(await w.data.getText(`users/u1/jobs/${jobId}/status.json`));
    expect(status).toMatchObject({ state: 'queued', queuedAt: '2026-11-27T03:00:00.000Z' });
    const lock = JSON.parse(await w.data.getText(`users/u1/jobs/${jobId}/extract.lock`)) as {
      expiresAt: string;
    };
    expect(lock.expiresAt).toBe('2026-11-27T03:00:32.000Z'); // 30 s left + 2 s skew
  });
});

describe('the extract core and web-granted uploads (decision 0025)', () => {
  const granted = (email = 'ann@example.com') => ({ email, access: 'token-of-the-grant' });

  it('starts one job per grant: the same form posted again (a new version) starts nothing and mails nobody', async () => {
    const w = world();
    const outcomes = [];
    for (let post = 0; post < 5; post += 1) {
      const record = await w.upload('users/w1/input/chair-1a2b.png', PNG, granted());
      outcomes.push(await extractObject(objectOf(record), w.extractPorts, invocation()));
    }
    expect(outcomes.map((o) => o.status)).toEqual([
      'started',
      'replayed',
      'replayed',
      'replayed',
      'replayed',
    ]);
    expect(w.invoked).toHaveLength(1);
    // No status, no failure document (so no email) for the replays: only the first job's status exists.
    const statuses = (await w.data.list('users/w1/jobs/')).filter((o) => o.key.endsWith('status.json'));
    expect(statuses).toHaveLength(1);
    expect(w.created.filter((o) => o.key.includes('failure'))).toEqual([]);
  });

  it('a redelivered event of the first post is a duplicate, not a replay, and its retry after a crash still starts', async () => {
    const w = world();
    const record = await w.upload('users/w1/input/vase-1.png', PNG, granted());
    const invoker = w.extractPorts.invoker;
    let fail = true;
    const flaky = {
      ...w.extractPorts,
      invoker: {
        invokeAsync: async (i: never) =>
          fail ? ((fail = false), Promise.reject(new Error('throttled'))) : invoker.invokeAsync(i),
      },
    };
    await expect(extractObject(objectOf(record), flaky, invocation())).rejects.toThrow('throttled');
    expect(await extractObject(objectOf(record), flaky, invocation())).toMatchObject({ status: 'started' });
    expect(await extractObject(objectOf(record), flaky, invocation())).toMatchObject({ status: 'duplicate' });
    expect(w.invoked).toHaveLength(1);
  });

  it('counts the active-job quota on what it accepts: past it, the job ends failed without an email', async () => {
    const w = world();
    const outcomes = [];
    for (const name of ['a', 'b', 'c', 'd']) {
      const record = await w.upload(`users/w1/input/${name}-1.png`, PNG, granted());
      outcomes.push(await extractObject(objectOf(record), w.extractPorts, invocation()));
    }
    expect(outcomes.map((o) => o.status)).toEqual(['started', 'started', 'started', 'limited']);
    const refused = outcomes[3] as { jobId: string };
    const status = parseJobStatusJson(await w.data.getText(`users/w1/jobs/${refused.jobId}/status.json`));
    expect(status).toMatchObject({ state: 'failed', error: { code: 'LimitReachedError' } });
    expect(w.created.filter((o) => o.key.includes('failure'))).toEqual([]);
  });

  it("counts the mailbox's daily cap on accepted uploads of its confirmed sessions, plus-tags and dots included", async () => {
    const w = world();
    const ports = {
      ...w.extractPorts,
      config: { ...w.extractPorts.config, limits: { maxActiveJobsPerUser: 100, addressDailyCap: 2 } },
    };
    const outcomes = [];
    const uploads = [
      ['w1', 'ann@example.com'],
      ['w2', 'a.nn+x@example.com'],
      ['w3', 'ann+y@example.com'],
      ['stranger', 'ann@example.com'], // not confirmed: a count of its own
    ] as const;
    for (const [user, email] of uploads.slice(0, 3)) await confirmAddress(w.data, email, user, new Date());
    for (const [user, email] of uploads) {
      const record = await w.upload(`users/${user}/input/p-1.png`, PNG, granted(email));
      outcomes.push(await extractObject(objectOf(record), ports, invocation()));
    }
    expect(outcomes.map((o) => o.status)).toEqual(['started', 'started', 'limited', 'started']);
  });

  it('claims a grant before checking its file: a replayed form with a GIF is one rejected job, then replays', async () => {
    const w = world();
    const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(64, 1)]);
    const outcomes = [];
    for (let post = 0; post < 3; post += 1) {
      const record = await w.upload('users/w1/input/cat-1.png', gif, granted());
      outcomes.push(await extractObject(objectOf(record), w.extractPorts, invocation()));
    }
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'replayed', 'replayed']);
    expect(w.created.filter((o) => o.key.includes('failure'))).toHaveLength(1);
  });

  it('trusts uploads written with the bucket credentials (CLI, operators): no claim, no limits', async () => {
    const w = world();
    for (let post = 0; post < 2; post += 1) {
      const record = await w.upload('users/u1/input/same.png', PNG, { email: 'ops@example.com' });
      expect(await extractObject(objectOf(record), w.extractPorts, invocation())).toMatchObject({
        status: 'started',
      });
    }
  });
});

describe('the notify core', () => {
  it('reads a failure document at the version its event names', async () => {
    const w = world();
    const first = await w.upload('users/u1/input/a.png', PNG, { email: 'first@example.com' });
    const second = await w.upload('users/u1/input/a.png', PNG, { email: 'second@example.com' });
    const failures: CreatedObjectRecord[] = [];
    for (const [upload, jobId] of [
      [first, '0000000000000001'],
      [second, '0000000000000002'],
    ] as const) {
      await w.docs.writeFailure(
        'users/u1/output/a.failure.json',
        buildFailureDocument({
          job: { userId: 'u1' as never, jobId: jobId as never },
          input: { bucket: BUCKET, key: upload.key, versionId: upload.versionId },
          stage: 'reconstruction',
          type: 'NoObjectFoundError',
          message: 'empty mask',
          at: new Date(),
        }),
      );
      failures.push(w.created[w.created.length - 1]!);
    }
    for (const failure of failures) await notifyObject(objectOf(failure), w.notifyPorts, invocation());
    expect(w.emails.filter((e) => e.to !== 'admin@example.com').map((e) => e.to)).toEqual([
      'first@example.com',
      'second@example.com',
    ]);
  });

  it('logs an unreadable report and still sends the mesh email', async () => {
    const w = world();
    await w.upload('users/u1/input/b.png', PNG, { email: 'b@example.com' });
    const report = await w.data.put('users/u1/output/b.report.json', '{"version": 9', {
      contentType: 'application/json',
    });
    await w.data.put('users/u1/output/b.ply', 'ply\n', {
      contentType: 'application/octet-stream',
      metadata: w.docs.meshMetadata({ jobId: '00000000000000bb', backend: 'inflate' }, report),
    });
    const outcome = await notifyObject(
      objectOf(w.created[w.created.length - 1]!),
      w.notifyPorts,
      invocation(),
    );
    expect(outcome).toMatchObject({ status: 'sent', emails: 1 });
    expect(w.emails[0]).toMatchObject({ to: 'b@example.com', subject: 'Your 3D model is ready' });
    const link = /memory:\S+/.exec(w.emails[0]!.text)![0];
    expect(w.store.fetchLink(link)).toMatchObject({ status: 200 });
  });

  it('maps a bare SageMaker failure record to its job, the uploader and a failed status', async () => {
    const w = world();
    const record = await w.upload('users/u1/input/c.png', PNG, { email: 'c@example.com' });
    const started = await extractObject(objectOf(record), w.extractPorts, invocation());
    const jobId = (started as { jobId: string }).jobId;
    await w.data.put(`sagemaker-output/failures/${jobId}-error.out`, 'Worker died.', {
      contentType: 'text/plain',
    });
    await notifyObject(objectOf(w.created[w.created.length - 1]!), w.notifyPorts, invocation());
    expect(w.emails.map((e) => [e.to, e.subject])).toEqual([
      ['c@example.com', 'We could not make your 3D model'],
      ['admin@example.com', '[Gen3D] job failed: WorkerCrashedError at inference'],
    ]);
    const status = parseJobStatusJson(await w.data.getText(`users/u1/jobs/${jobId}/status.json`));
    expect(status).toMatchObject({ state: 'failed', error: { code: 'WorkerCrashedError' } });
  });

  it('keeps a done job done when SageMaker records a failure after the mesh was stored: the admin alone is told', async () => {
    const w = world();
    const record = await w.upload('users/u1/input/m.png', PNG, { email: 'm@example.com' });
    const jobId = ((await extractObject(objectOf(record), w.extractPorts, invocation())) as { jobId: string })
      .jobId;
    const request = (await w.docs.readRequest({ userId: 'u1', jobId } as never))!;
    await w.docs.writeStatus({ ...request, name: 'm' }, 'done', { meshKey: 'users/u1/output/m.ply' });
    await w.data.put(`sagemaker-output/failures/${jobId}-error.out`, 'Worker died.', {
      contentType: 'text/plain',
    });
    await notifyObject(objectOf(w.created[w.created.length - 1]!), w.notifyPorts, invocation());
    expect(w.emails.map((e) => e.to)).toEqual(['admin@example.com']);
    const status = parseJobStatusJson(await w.data.getText(`users/u1/jobs/${jobId}/status.json`));
    expect(status.state).toBe('done');
  });

  it("takes the type from the container's own error answer when SageMaker stored that", async () => {
    const w = world();
    const record = await w.upload('users/u1/input/e.png', PNG, { email: 'e@example.com' });
    const jobId = ((await extractObject(objectOf(record), w.extractPorts, invocation())) as { jobId: string })
      .jobId;
    const answer = JSON.stringify({
      error: { type: 'InvalidRequestError', message: 'input bucket must be x' },
    });
    await w.data.put(`sagemaker-output/failures/${jobId}-error.out`, answer, {
      contentType: 'application/json',
    });
    await notifyObject(objectOf(w.created[w.created.length - 1]!), w.notifyPorts, invocation());
    expect(w.emails.map((e) => e.subject)).toContain('[Gen3D] job failed: InvalidRequestError at inference');
    expect(w.emails.find((e) => e.to === 'e@example.com')!.text).toContain(
      'The request for this job was malformed.',
    );
  });

  it('still tells the admin when the job index of a SageMaker record is unreadable', async () => {
    const w = world();
    const jobId = '0123456789abcdef0123456789abcdef';
    await w.data.putJson(`jobs/${jobId}.json`, { version: 1, jobId, userId: '../u2' });
    await w.data.put(`sagemaker-output/failures/${jobId}-error.out`, 'Worker died.', {
      contentType: 'text/plain',
    });
    await notifyObject(objectOf(w.created[w.created.length - 1]!), w.notifyPorts, invocation());
    expect(w.emails.map((e) => [e.to, e.subject])).toEqual([
      ['admin@example.com', `[Gen3D] SageMaker inference failed: ${jobId}`],
    ]);
  });

  it('moves on after a refusal no retry changes, and retries anything else', async () => {
    const w = world();
    const upload = await w.upload('users/u1/input/d.png', PNG, { email: 'd@example.com' });
    await w.docs.writeFailure(
      'users/u1/output/d.failure.json',
      buildFailureDocument({
        job: { userId: 'u1' as never, jobId: '00000000000000dd' as never },
        input: { bucket: BUCKET, key: upload.key, versionId: upload.versionId },
        stage: 'validation',
        type: 'NotAPngError',
        message: 'JPEG',
        at: new Date(),
      }),
    );
    const failure = objectOf(w.created[w.created.length - 1]!);
    const refusing = {
      ...w.notifyPorts,
      mailer: { send: async () => Promise.reject(new PermanentMailError('MessageRejected')) },
    };
    expect(await notifyObject(failure, refusing, invocation())).toMatchObject({ status: 'sent', emails: 0 });
    const w2 = world();
    const flaky = {
      ...w2.notifyPorts,
      data: w.data,
      mailer: { send: async () => Promise.reject(new Error('Throttling')) },
    };
    await w.data.delete('users/u1/jobs/00000000000000dd/notify.lock');
    await expect(notifyObject(failure, flaky, invocation())).rejects.toThrow('Throttling');
    expect(parseFailureDocumentJson(await w.data.getText('users/u1/output/d.failure.json')).error.type).toBe(
      'NotAPngError',
    );
  });
});
