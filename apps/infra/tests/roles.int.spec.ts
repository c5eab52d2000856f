import { execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { App } from 'aws-cdk-lib';
import {
  buildFailureDocument,
  confirmAddress,
  extractObject,
  JobDocuments,
  notifyObject,
  parseExtractConfig,
  parseNotifyConfig,
  releaseHeldResults,
  type AsyncInvocation,
  type OutgoingEmail,
} from '@gen3d/jobs';
import type { CreatedObject } from '@gen3d/events';
import { createLogger } from '@gen3d/logging';
import { bindBucket, createS3Client, S3ObjectStore, type BucketStore } from '@gen3d/object-store';
import {
  buildAddressKey,
  buildInputKey,
  buildJobDocumentKey,
  buildJobIndexKey,
  outputKeysFor,
  parseInputKey,
  parseJobId,
  parseUserId,
} from '@gen3d/s3-keys';
import { cfnText } from '../src/cfn-text';
import { namesFor } from '../src/names';
import { readSettings } from '../src/settings';
import { ApiStack } from '../src/stacks/api-stack';
import { ExtractStack } from '../src/stacks/extract-stack';
import { InferenceStack } from '../src/stacks/inference-stack';
import { NotifyStack } from '../src/stacks/notify-stack';
import { workspaceRoot } from '../src/workspace';
import { startIamMoto } from './iam-moto';

// The roles' inline policies, as synthesized, are enough for the pipeline and no more. moto server enforces IAM here
// (INITIAL_NO_AUTH_ACTION_COUNT): each step runs the real code of its stage with the credentials of an IAM user
// holding exactly the role's policy: the extract and notify cores (@gen3d/jobs) and the container's writes (through
// the JobDocuments the sidecar uses). SageMaker's invocation and SES are recorded, not called: their permissions
// are checked on the templates (app.spec.ts).
const root = workspaceRoot();
const ACCOUNT = '123456789012'; // moto's account
const BUCKET = 'gen3d-data-bucket';
const log = createLogger({ service: 'roles-test', level: 'silent' });
const invocation = { log, remainingTimeMs: () => 30_000 };
/** The one element of a list (a test expects exactly one). */
function only<T>(list: readonly T[]): T {
  expect(list).toHaveLength(1);
  return list[0] as T;
}
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(64, 1),
]);

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

/** The inline policy and environment of each role, from the templates the stacks synthesize. */
function synthesizedRoles() {
  const app = new App();
  const settings = readSettings(() => undefined, {});
  const names = namesFor();
  const props = { names, settings, env: { region: 'us-east-1' } };
  const stacks = {
    extract: new ExtractStack(app, 'Gen3DExtractStack', props),
    notify: new NotifyStack(app, 'Gen3DNotifyStack', props),
    sagemaker: new InferenceStack(app, 'Gen3DInferenceStack', props),
    api: new ApiStack(app, 'Gen3DApiStack', props),
  };
  const assembly = app.synth();
  const concrete = (text: string) =>
    text
      .replace('${AWS::Partition}', 'aws')
      .replace('${AWS::AccountId}', ACCOUNT)
      .replace('${AWS::Region}', 'us-east-1');
  return Object.fromEntries(
    Object.entries(stacks).map(([role, stack]) => {
      const template = assembly.getStackArtifact(stack.artifactId).template as Template;
      const resources = Object.values(template.Resources);
      const roleResource = only(
        resources.filter(
          (r) => r.Type === 'AWS::IAM::Role' && String(r.Properties['RoleName']).startsWith('Gen3D'),
        ),
      );
      const policy = only(
        roleResource.Properties['Policies'] as { PolicyDocument: { Statement: Statement[] } }[],
      );
      // S3 statements only: the others name resources moto does not hold (log groups, queues, the endpoint, SES).
      const statements = policy.PolicyDocument.Statement.map((s) => ({
        ...s,
        Resource: ([] as unknown[]).concat(s.Resource).map((r) => concrete(cfnText(r))),
      })).filter((s) => (s.Resource as string[]).every((r) => r.startsWith('arn:aws:s3:::')));
      const fn = resources.find((r) => r.Type === 'AWS::Lambda::Function');
      const env =
        (fn?.Properties['Environment'] as { Variables: Record<string, string> } | undefined)?.Variables ?? {};
      return [role, { statements, env }];
    }),
  ) as Record<
    'extract' | 'notify' | 'sagemaker' | 'api',
    { statements: Statement[]; env: Record<string, string> }
  >;
}

/** IAM users with the roles' policies, an admin, the versioned bucket: set up with boto3 from the repository's venv. */
function setUpAccount(
  endpoint: string,
  policies: Record<string, Statement[]>,
): Record<'admin' | 'extract' | 'notify' | 'sagemaker' | 'api', { id: string; secret: string }> {
  const script = `
import json, sys, boto3
endpoint, policies = sys.argv[1], json.loads(sys.argv[2])
def client(svc, key=None):
    kw = dict(endpoint_url=endpoint, region_name='us-east-1')
    kw.update(aws_access_key_id=key['AccessKeyId'] if key else 'x', aws_secret_access_key=key['SecretAccessKey'] if key else 'x')
    return boto3.client(svc, **kw)
iam = client('iam')  # the first three calls run before moto turns authentication on
iam.create_user(UserName='admin')
iam.put_user_policy(UserName='admin', PolicyName='all', PolicyDocument=json.dumps(
    {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]}))
admin = iam.create_access_key(UserName='admin')['AccessKey']
iam, s3 = client('iam', admin), client('s3', admin)
s3.create_bucket(Bucket='${BUCKET}')
s3.put_bucket_versioning(Bucket='${BUCKET}', VersioningConfiguration={'Status': 'Enabled'})
keys = {'admin': admin}
for role, statements in policies.items():
    iam.create_user(UserName=role)
    iam.put_user_policy(UserName=role, PolicyName=role, PolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': statements}))
    keys[role] = iam.create_access_key(UserName=role)['AccessKey']
print(json.dumps({k: {'id': v['AccessKeyId'], 'secret': v['SecretAccessKey']} for k, v in keys.items()}))
`;
  const out = execFileSync(
    join(root, '.venv', 'bin', 'python'),
    ['-c', script, endpoint, JSON.stringify(policies)],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(out) as Record<
    'admin' | 'extract' | 'notify' | 'sagemaker' | 'api',
    { id: string; secret: string }
  >;
}

describe('the roles’ policies, enforced by moto, against the real pipeline code', () => {
  const roles = synthesizedRoles();
  let moto: ChildProcess;
  let endpoint: string;
  type Who = 'admin' | 'extract' | 'notify' | 'sagemaker' | 'api';
  const stores = {} as Record<Who, BucketStore>;
  const clients = {} as Record<Who, S3Client>;
  let keys = {} as Record<Who, { id: string; secret: string }>;
  const emails: OutgoingEmail[] = [];
  const invocations: AsyncInvocation[] = [];
  const clock = () => new Date();

  beforeAll(async () => {
    // moto_server, with the roles' s3:prefix conditions evaluated (moto alone ignores them).
    ({ moto, endpoint } = await startIamMoto('moto_server_with_s3_prefix.py'));
    keys = setUpAccount(endpoint, {
      extract: roles.extract.statements,
      notify: roles.notify.statements,
      sagemaker: roles.sagemaker.statements,
      api: roles.api.statements,
    });
    for (const [who, key] of Object.entries(keys) as [Who, { id: string; secret: string }][]) {
      const client = createS3Client({
        endpoint,
        credentials: { accessKeyId: key.id, secretAccessKey: key.secret },
        maxAttempts: 1,
      });
      clients[who] = client;
      stores[who] = bindBucket(new S3ObjectStore(client), BUCKET);
    }
  }, 60_000);

  afterAll(() => {
    moto?.kill('SIGTERM');
  });

  const upload = async (
    userId: string,
    name: string,
    body: Buffer,
    metadata: Record<string, string> = {},
  ): Promise<CreatedObject> => {
    const key = buildInputKey({ userId, name });
    const put = await stores.admin.put(key, body, {
      contentType: 'image/png',
      metadata: { email: `${userId}@example.com`, ...metadata },
    });
    return created(key, put.versionId, put.eTag, body.length);
  };
  const created = (key: string, versionId?: string, eTag?: string, size?: number): CreatedObject => ({
    bucket: BUCKET,
    key,
    size,
    eTag,
    versionId,
    sequencer: undefined,
    eventName: 'ObjectCreated:Put',
    eventTime: new Date().toISOString(),
  });
  const extract = (object: CreatedObject) =>
    extractObject(
      object,
      {
        data: stores.extract,
        invoker: { invokeAsync: async (i) => (invocations.push(i), { outputLocation: undefined }) },
        config: parseExtractConfig(roles.extract.env),
        clock,
      },
      invocation,
    );
  const notify = (object: CreatedObject) =>
    notifyObject(
      object,
      {
        data: stores.notify,
        mailer: { send: async (email) => (emails.push(email), `m-${emails.length}`) },
        config: parseNotifyConfig(roles.notify.env),
        clock,
      },
      invocation,
    );

  it('the API role writes uploads, held results’ locks and its own records, never a result or a status', async () => {
    const jobId = parseJobId('0123456789abcdef0123456789abcdef');
    await stores.api.put(buildInputKey({ userId: 'u8', name: 'retry-1a2b' }), 'x', {
      contentType: 'image/png',
    });
    await stores.api.putJson(buildJobDocumentKey({ userId: 'u8', jobId, document: 'notify-lock' }), {});
    await stores.api.putJson('api/users/u8.json', {});
    for (const key of [
      'users/u8/output/chair.ply',
      'users/u8/output/chair.report.json',
      buildJobDocumentKey({ userId: 'u8', jobId, document: 'status' }),
      buildJobDocumentKey({ userId: 'u8', jobId, document: 'request' }),
      'public/index.html',
    ]) {
      await expect(stores.api.put(key, 'x', { contentType: 'application/octet-stream' })).rejects.toThrow(
        /Access ?Denied|403/,
      );
    }
  });

  it('each role lists only the prefixes it reads (s3:prefix), never the whole bucket', async () => {
    await stores.admin.put('users/u9/jobs/0123456789abcdef0123456789abcdef/status.json', '{}', {
      contentType: 'application/json',
    });
    const lists = async (who: Who, prefix: string | undefined) => {
      try {
        await clients[who].send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
        return true;
      } catch (error) {
        if (/Access ?Denied|403/.test(String(error))) return false;
        throw error;
      }
    };
    const allowed: Record<Exclude<Who, 'admin'>, string[]> = {
      extract: ['users/u9/jobs/', 'users/u9/input/', 'api/claims/'],
      notify: ['users/u9/output/', 'users/u9/input/', 'sagemaker-output/failures/'],
      sagemaker: ['users/u9/input/', 'users/u9/masks/'],
      api: ['users/u9/jobs/', 'users/u9/', 'api/users/'],
    };
    const refused: Record<Exclude<Who, 'admin'>, (string | undefined)[]> = {
      extract: [undefined, 'users/', 'public/', 'api/users/', 'users/u9/output/'],
      notify: [undefined, 'users/', 'public/', 'api/users/', 'users/u9/jobs/'],
      sagemaker: [undefined, 'users/', 'public/', 'api/', 'users/u9/jobs/', 'users/u9/output/'],
      api: [undefined, 'users', 'public/', 'rejected/', 'sagemaker-output/'],
    };
    for (const who of Object.keys(allowed) as Exclude<Who, 'admin'>[]) {
      for (const prefix of allowed[who])
        expect([who, prefix, await lists(who, prefix)]).toEqual([who, prefix, true]);
      for (const prefix of refused[who])
        expect([who, prefix, await lists(who, prefix)]).toEqual([who, prefix, false]);
    }
    expect(await lists('admin', undefined)).toBe(true);
  });

  it('moto refuses what a policy does not grant (the check can fail)', async () => {
    await expect(
      stores.extract.put('users/u0/output/x.ply', 'x', { contentType: 'model/x-ply' }),
    ).rejects.toThrow(/Access ?Denied|403/);
    await expect(
      stores.notify.put('users/u0/input/x.png', 'x', { contentType: 'image/png' }),
    ).rejects.toThrow(/Access ?Denied|403/);
    await expect(
      stores.sagemaker.put('public/index.html', 'x', { contentType: 'text/html' }),
    ).rejects.toThrow(/Access ?Denied|403/);
  });

  it('upload → extract → container → SageMaker output → notify: one email, with a link to the mesh’s version', async () => {
    const object = await upload('u1', 'chair', PNG);
    expect(await extract(object)).toMatchObject({ status: 'started' });
    const started = only(invocations.splice(0));

    // SageMaker, with the execution role: reads the request (InputLocation), the container reads the upload at its
    // version and writes status, mesh, and SageMaker stores its output record.
    const sagemaker = stores.sagemaker;
    const docs = new JobDocuments(sagemaker, clock);
    const requestKey = started.inputLocation.replace(`s3://${BUCKET}/`, '');
    const request = JSON.parse(await sagemaker.getText(requestKey)) as {
      jobId: string;
      userId: string;
      requestedAt: string;
      input: { key: string; versionId?: string };
    };
    expect(await sagemaker.getText(request.input.key, { versionId: request.input.versionId })).toBe(
      PNG.toString(),
    );
    const jobId = parseJobId(request.jobId);
    await docs.writeStatus(
      { ...request, jobId, userId: parseUserId(request.userId), name: 'chair' },
      'reconstructing',
    );
    const mesh = outputKeysFor(parseInputKey(request.input.key)).mesh;
    const meshPut = await sagemaker.put(mesh, 'ply\nformat binary_little_endian 1.0\n', {
      contentType: 'application/octet-stream',
      metadata: { 'job-id': jobId, backend: 'inflate' },
    });
    await sagemaker.put(`sagemaker-output/${jobId}.out`, '{}', { contentType: 'application/json' });

    expect(await notify(created(mesh, meshPut.versionId, meshPut.eTag))).toMatchObject({
      status: 'sent',
      emails: 1,
    });
    const email = only(emails.splice(0));
    expect(email.to).toBe('u1@example.com');
    const link = /http:\/\/127\.0\.0\.1:\d+\/\S+/.exec(email.text)?.[0] ?? '';
    expect(link).toContain(`versionId=${encodeURIComponent(meshPut.versionId ?? 'none')}`);
    // moto cannot authenticate presigned URLs while it enforces IAM (KeyError HTTP_AUTHORIZATION), so the link is
    // checked for what S3 evaluates: signed with the notify role's key, for that version, which the role may read.
    expect(decodeURIComponent(link)).toContain(`X-Amz-Credential=${keys.notify.id}/`);
    expect(await stores.notify.getText(mesh, { versionId: meshPut.versionId })).toMatch(/^ply/);
  }, 60_000);

  it('a rejected upload: extract writes the failure document, notify emails the uploader and the admin', async () => {
    const object = await upload('u2', 'photo', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0]));
    const outcome = await extract(object);
    expect(outcome).toMatchObject({ status: 'rejected', failureKey: 'users/u2/output/photo.failure.json' });
    const failure = await stores.admin.head('users/u2/output/photo.failure.json');
    expect(await notify(created('users/u2/output/photo.failure.json', failure?.versionId))).toMatchObject({
      status: 'sent',
      emails: 2,
    });
    expect(
      emails
        .splice(0)
        .map((e) => e.to)
        .sort(),
    ).toEqual(['info@2112-lab.com', 'u2@example.com']);
  }, 60_000);

  it('a job that dies inside SageMaker: the container’s failure document, then SageMaker’s bare record', async () => {
    const object = await upload('u3', 'vase', PNG);
    expect(await extract(object)).toMatchObject({ status: 'started' });
    const started = only(invocations.splice(0));
    const sagemaker = stores.sagemaker;
    const request = JSON.parse(
      await sagemaker.getText(started.inputLocation.replace(`s3://${BUCKET}/`, '')),
    ) as {
      jobId: string;
      userId: string;
      input: { bucket: string; key: string; versionId?: string };
    };
    const jobId = parseJobId(request.jobId);
    // The container writes its failure document next to the outputs...
    const docs = new JobDocuments(sagemaker, clock);
    const failureKey = docs.failureKey(parseInputKey(request.input.key), jobId);
    const doc = buildFailureDocument({
      job: { jobId, userId: parseUserId(request.userId) },
      input: request.input,
      stage: 'reconstruction',
      type: 'NoObjectFoundError',
      message: 'no object in the picture',
      at: new Date(),
    });
    const put = await docs.writeFailure(failureKey, doc);
    expect(await notify(created(failureKey, put.versionId))).toMatchObject({ status: 'sent' });
    expect(
      emails
        .splice(0)
        .map((e) => e.to)
        .sort(),
    ).toEqual(['info@2112-lab.com', 'u3@example.com']);
    // ...and when a container dies without a word, SageMaker's record is all there is: notify finds the job through
    // the job index, marks it failed and tells the admin.
    const other = await upload('u4', 'lamp', PNG);
    expect(await extract(other)).toMatchObject({ status: 'started' });
    const lost = only(invocations.splice(0));
    const record = `sagemaker-output/failures/${lost.inferenceId}-error.out`;
    const recorded = await sagemaker.put(record, 'Received server error (0) from primary: container exited', {
      contentType: 'text/plain',
    });
    expect(await notify(created(record, recorded.versionId))).toMatchObject({ status: 'sent' });
    expect(emails.splice(0).map((e) => e.to)).toContain('info@2112-lab.com');
    const status = JSON.parse(
      await stores.admin.getText(
        buildJobDocumentKey({ userId: 'u4', jobId: lost.inferenceId, document: 'status' }),
      ),
    ) as { state: string };
    expect(status.state).toBe('failed');
  }, 60_000);

  it('DELETE /jobs/{id} (API role): every version of a job’s files and its index entry, and nothing elsewhere', async () => {
    const jobId = parseJobId('0123456789abcdef0123456789abcdef');
    const input = buildInputKey({ userId: 'u7', name: 'chair' });
    const mesh = outputKeysFor(parseInputKey(input)).mesh;
    const status = buildJobDocumentKey({ userId: 'u7', jobId, document: 'status' });
    const index = buildJobIndexKey(jobId);
    for (const key of [input, input, mesh, status, status, index]) {
      await stores.admin.put(key, 'x', { contentType: 'application/octet-stream' });
    }
    const versionsOf = async (who: Who, prefix: string) => {
      const listed = await clients[who].send(
        new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: prefix }),
      );
      return [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => ({
        key: v.Key as string,
        versionId: v.VersionId as string,
      }));
    };
    const deleteVersion = (who: Who, key: string, versionId?: string) =>
      clients[who].send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key, VersionId: versionId }));

    // The API role lists and deletes each version: afterwards nothing of the job is left, not even a delete marker.
    const versions = [...(await versionsOf('api', 'users/u7/')), ...(await versionsOf('api', index))];
    expect(versions).toHaveLength(6);
    for (const { key, versionId } of versions) await deleteVersion('api', key, versionId);
    expect(await versionsOf('admin', 'users/u7/')).toEqual([]);
    expect(await versionsOf('admin', index)).toEqual([]);

    // Outside users/ and the job index it deletes nothing, with or without a version id.
    for (const key of ['api/users/u7.json', 'public/index.html', `rejected/${jobId}.failure.json`]) {
      const put = await stores.admin.put(key, '{}', { contentType: 'application/json' });
      await expect(deleteVersion('api', key, put.versionId)).rejects.toThrow(/Access ?Denied|403/);
      await expect(deleteVersion('api', key)).rejects.toThrow(/Access ?Denied|403/);
      expect(await stores.admin.head(key)).toBeDefined();
    }
    // The pipeline roles delete no version of anything (extract frees only its lock, by key).
    const kept = await stores.admin.put(input, 'x', { contentType: 'image/png' });
    for (const who of ['extract', 'notify', 'sagemaker'] as const) {
      await expect(deleteVersion(who, input, kept.versionId)).rejects.toThrow(/Access ?Denied|403/);
    }
    // The version listing is the API's only, and only under users/ and the job index (s3:prefix).
    await expect(versionsOf('notify', 'users/')).rejects.toThrow(/Access ?Denied|403/);
    for (const prefix of ['api/', 'public/', '']) {
      await expect(versionsOf('api', prefix)).rejects.toThrow(/Access ?Denied|403/);
    }
  }, 60_000);

  it('a web-API upload: extract claims it and counts the cap, notify emails the address its session confirmed', async () => {
    const address = createHash('sha256').update('u5@example.com').digest('hex');
    await stores.admin.putJson(buildAddressKey(address), {
      version: 2,
      confirmations: [{ userId: 'u5', address, at: new Date().toISOString() }],
      sends: [],
      acceptedPerDay: {},
      held: [],
    });
    const object = await upload('u5', 'mug', PNG, { access: 'token-of-the-upload' });
    expect(await extract(object)).toMatchObject({ status: 'started' });
    const started = only(invocations.splice(0));
    const sagemaker = stores.sagemaker;
    const mesh = outputKeysFor(parseInputKey(object.key)).mesh;
    const meshPut = await sagemaker.put(mesh, 'ply\n', {
      contentType: 'application/octet-stream',
      metadata: { 'job-id': started.inferenceId, backend: 'inflate' },
    });
    expect(await notify(created(mesh, meshPut.versionId, meshPut.eTag))).toMatchObject({
      status: 'sent',
      emails: 1,
    });
    expect(emails.splice(0).map((e) => e.to)).toEqual(['u5@example.com']);
  }, 60_000);

  it('a web-API upload finished before the confirmation: notify holds it, POST /confirm’s release (API role) emails it once', async () => {
    const addressKey = buildAddressKey(createHash('sha256').update('u6@example.com').digest('hex'));
    await stores.admin.putJson(addressKey, {
      version: 2,
      confirmations: [],
      sends: [],
      acceptedPerDay: {},
      held: [],
    });
    const object = await upload('u6', 'vase', PNG, { access: 'token-of-the-upload' });
    expect(await extract(object)).toMatchObject({ status: 'started' });
    const started = only(invocations.splice(0));
    const mesh = outputKeysFor(parseInputKey(object.key)).mesh;
    const meshPut = await stores.sagemaker.put(mesh, 'ply\n', {
      contentType: 'application/octet-stream',
      metadata: { 'job-id': started.inferenceId, backend: 'inflate' },
    });
    expect(await notify(created(mesh, meshPut.versionId, meshPut.eTag))).toMatchObject({ status: 'held' });
    expect(emails).toEqual([]);
    // POST /confirm: the API marks the address confirmed, then releases what was held, with its own role.
    await confirmAddress(stores.api, 'u6@example.com', 'u6', new Date());
    const release = () =>
      releaseHeldResults(
        { address: 'u6@example.com', userId: 'u6' },
        {
          data: stores.api,
          mailer: { send: async (email) => (emails.push(email), `m-${emails.length}`) },
          config: { webUrl: 'https://gen3d.example.com/', linkExpirySeconds: 3600 },
          clock,
        },
        invocation,
      );
    expect(await release()).toEqual({ sent: 1, alreadySent: 0, pending: 0 });
    expect(await release()).toEqual({ sent: 0, alreadySent: 0, pending: 0 });
    expect(emails.splice(0).map((e) => e.to)).toEqual(['u6@example.com']);
  }, 60_000);
});
