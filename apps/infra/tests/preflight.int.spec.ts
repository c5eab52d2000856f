import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { STSClient } from '@aws-sdk/client-sts';
import { execFile } from 'node:child_process';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { namesFor } from '../src/names';
import { readAccountFacts } from '../src/preflight/account-facts';
import { assessDeployment } from '../src/preflight/findings';
import { readSettings } from '../src/settings';
import { workspaceRoot } from '../src/workspace';

// preflight with the real AWS SDK v3 clients: S3, STS and SES identities against moto server; the three reads moto
// does not implement (Lambda GetAccountSettings, SESv2 GetAccount, Service Quotas' SageMaker list) answered by a
// stubbed transport with the JSON AWS documents, so the SDK's own parsing runs.
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const region = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const base = { region, credentials, endpoint, forcePathStyle: true };

interface StubRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
}
type Handler = { handle(request: StubRequest): Promise<unknown> };

const json = (body: unknown) => ({
  response: {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: Readable.from([Buffer.from(JSON.stringify(body))]),
  },
});

/** Answers `answer(request)` where it returns a body; passes everything else to moto. */
function stubbed(answer: (request: StubRequest) => unknown, motoHandler?: unknown): Handler {
  return {
    handle: async (request) => {
      const body = answer(request);
      if (body !== undefined) return json(body);
      if (!motoHandler) throw new Error(`unexpected request ${request.method} ${request.path}`);
      return (motoHandler as Handler).handle(request);
    },
  };
}

function clients(lambdaQuota: number, productionAccess: boolean) {
  const motoSes = new SESv2Client(base);
  return {
    lambda: new LambdaClient({
      ...base,
      requestHandler: stubbed(() => ({
        AccountLimit: { ConcurrentExecutions: lambdaQuota, UnreservedConcurrentExecutions: lambdaQuota },
        AccountUsage: { FunctionCount: 0, TotalCodeSize: 0 },
      })) as never,
    }),
    ses: new SESv2Client({
      ...base,
      requestHandler: stubbed(
        (request) =>
          request.path === '/v2/email/account'
            ? {
                ProductionAccessEnabled: productionAccess,
                SendingEnabled: true,
                SendQuota: {
                  Max24HourSend: productionAccess ? 50000 : 200,
                  MaxSendRate: 1,
                  SentLast24Hours: 0,
                },
              }
            : undefined,
        motoSes.config.requestHandler,
      ) as never,
    }),
    quotas: new ServiceQuotasClient({
      ...base,
      requestHandler: stubbed((request) =>
        request.headers['x-amz-target']?.endsWith('.ListServiceQuotas')
          ? {
              Quotas: [
                { QuotaName: 'ml.g4dn.xlarge for endpoint usage', QuotaCode: 'L-1234ABCD', Value: 4 },
                { QuotaName: 'ml.g6e.xlarge for endpoint usage', QuotaCode: 'L-5678EFGH', Value: 0 },
              ],
            }
          : undefined,
      ) as never,
    }),
    s3: new S3Client(base),
    sts: new STSClient(base),
  };
}

describe('npm run preflight, with the real SDK clients', () => {
  const settings = readSettings(() => undefined, {
    GEN3D_DATA_BUCKET_NAME: 'preflight-data',
    GEN3D_MODEL_BUCKET_NAME: 'preflight-models',
    GEN3D_SOURCE_EMAIL: 'noreply@preflight.example',
    GEN3D_ADMIN_EMAIL: 'admin@preflight.example',
  });
  const names = namesFor(settings);

  it('reads a fresh account: free names, absent identities, quota 10 blocks, SES sandbox to act on', async () => {
    const facts = await readAccountFacts(clients(10, false), settings, names);
    expect(facts.buckets).toEqual([
      { name: 'preflight-data', state: { known: true, value: 'free' } },
      { name: 'preflight-models', state: { known: true, value: 'free' } },
    ]);
    expect(facts.identities.map((i) => i.state)).toEqual([
      { known: true, value: 'absent' },
      { known: true, value: 'absent' },
    ]);
    expect(facts.sageMakerInstances).toEqual({ known: true, value: 4 });
    const findings = assessDeployment(facts, settings, names, { firstDeploy: true });
    expect(findings.filter((f) => f.level === 'block').map((f) => f.line)).toEqual([
      expect.stringMatching(/Lambda concurrency quota is 10/),
    ]);
    expect(findings.filter((f) => f.level === 'act').map((f) => f.line)).toEqual([
      expect.stringMatching(/SES is in the sandbox/),
    ]);
  });

  it('sees a bucket and an identity that already exist in the account', async () => {
    const setup = clients(1000, true);
    await setup.s3.send(new CreateBucketCommand({ Bucket: 'preflight-data' }));
    await setup.ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'noreply@preflight.example' }));
    const facts = await readAccountFacts(setup, settings, names);
    expect(facts.buckets[0]).toEqual({ name: 'preflight-data', state: { known: true, value: 'yours' } });
    expect(facts.identities[0]?.state).toEqual({
      known: true,
      value: expect.stringMatching(/verified|pending/),
    });
    const first = assessDeployment(facts, settings, names, { firstDeploy: true });
    expect(first.filter((f) => f.level === 'block').map((f) => f.line)).toEqual([
      expect.stringMatching(/bucket preflight-data already exists/),
      expect.stringMatching(/noreply@preflight.example already exists/),
    ]);
  });

  it('is one command that exits 1 when a deploy would fail, 2 on malformed settings', async () => {
    const cli = `${workspaceRoot()}/dist/apps/infra/preflight-cli.js`;
    const run = (env: Record<string, string>, ...args: string[]) =>
      promisify(execFile)(process.execPath, [cli, ...args], {
        env: {
          PATH: process.env['PATH'],
          AWS_ENDPOINT_URL: endpoint,
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          ...env,
        },
      }).then(
        (done) => ({ code: 0, out: done.stdout + done.stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({
          code: error.code,
          out: error.stdout + error.stderr,
        }),
      );
    const moto = await run({ GEN3D_DATA_BUCKET_NAME: 'preflight-data' });
    expect(moto.out).toMatch(/^ok {4}bucket gen3d-model-bucket is free$/m);
    expect(moto.out).toMatch(/^ACT {3}Lambda concurrency quota: could not be read/m);
    expect(moto.code).toBe(0);
    await new S3Client(base).send(new CreateBucketCommand({ Bucket: 'preflight-taken-by-us' }));
    const blocked = await run({ GEN3D_DATA_BUCKET_NAME: 'preflight-taken-by-us' }, '--first-deploy');
    expect(blocked.out).toMatch(/^BLOCK bucket preflight-taken-by-us already exists in this account/m);
    expect(blocked.out).toMatch(/preflight: 1 thing\(s\) would make the deploy fail/);
    expect(blocked.code).toBe(1);
    const bad = await run({ GEN3D_DATA_BUCKET_NAME: 'Not.A.Bucket' });
    expect(bad).toEqual({
      code: 2,
      out: expect.stringMatching(/gen3d:dataBucketName \(GEN3D_DATA_BUCKET_NAME\)/),
    });
  });
});
