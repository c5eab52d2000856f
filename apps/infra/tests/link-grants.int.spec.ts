import { execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App } from 'aws-cdk-lib';
import { createDownloadLinkSigner } from '@gen3d/jobs';
import { readDownloadLinks, readDownloadLinkSigner } from '@gen3d/jobs/download-link-sources';
import { cfnText } from '../src/cfn-text';
import { namesFor } from '../src/names';
import { readSettings } from '../src/settings';
import { ApiStack } from '../src/stacks/api-stack';
import { NotifyStack } from '../src/stacks/notify-stack';
import { workspaceRoot } from '../src/workspace';
import { startIamMoto } from './iam-moto';

// The download links' reads (decision 0038), as the roles grant them and no more. moto server enforces IAM here
// (INITIAL_NO_AUTH_ACTION_COUNT), with the resources of Secrets Manager and SSM requests checked
// (moto_server_with_resources.py): IAM users hold exactly the Secrets Manager and SSM statements of the notify and
// API roles, as synthesized, and run the readers both functions use (@gen3d/jobs/download-link-sources) with the
// real SDK clients. The S3 statements are proved in roles.int.spec.ts.
const root = workspaceRoot();
const ACCOUNT = '123456789012'; // moto's account
const names = namesFor();
const API_URL = 'https://links.example.test/';
const OTHER_URL = 'https://api.example.test/';
const READER_VARIABLES = ['DOWNLOAD_KEY_SECRET_ARN', 'API_URL_PARAMETER', 'TOKEN_SECRET_ARN'];

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
type Role = 'notify' | 'api';
type Key = { id: string; secret: string };

function only<T>(list: readonly T[]): T {
  expect(list).toHaveLength(1);
  return list[0] as T;
}

/** A CloudFormation value as text, with the pseudo parameters moto's; references stay `${LogicalId}`. */
function concrete(node: unknown): string {
  return cfnText(node)
    .replaceAll('${AWS::Partition}', 'aws')
    .replaceAll('${AWS::AccountId}', ACCOUNT)
    .replaceAll('${AWS::Region}', 'us-east-1');
}

/** Each role's Secrets Manager and SSM statements and its function's environment; the secrets the stacks make. */
function synthesizedReads() {
  const app = new App();
  const props = { names, settings: readSettings(() => undefined, {}), env: { region: 'us-east-1' } };
  const stacks = {
    notify: new NotifyStack(app, 'Gen3DNotifyStack', props),
    api: new ApiStack(app, 'Gen3DApiStack', props),
  };
  const assembly = app.synth();
  const secrets: Record<string, string> = {}; // logical id -> secret name
  const roles = Object.fromEntries(
    Object.entries(stacks).map(([role, stack]) => {
      const resources = assembly.getStackArtifact(stack.artifactId).template as Template;
      for (const [id, r] of Object.entries(resources.Resources)) {
        if (r.Type === 'AWS::SecretsManager::Secret') secrets[id] = String(r.Properties['Name']);
      }
      const all = Object.values(resources.Resources);
      const roleResource = only(
        all.filter(
          (r) => r.Type === 'AWS::IAM::Role' && String(r.Properties['RoleName']).startsWith('Gen3D'),
        ),
      );
      const policy = only(
        roleResource.Properties['Policies'] as { PolicyDocument: { Statement: Statement[] } }[],
      );
      const statements = policy.PolicyDocument.Statement.filter((s) =>
        [s.Action].flat().every((a) => a.startsWith('secretsmanager:') || a.startsWith('ssm:')),
      ).map((s) => ({ ...s, Resource: [s.Resource].flat().map(concrete) }));
      const fn = only(
        all.filter(
          (r) =>
            r.Type === 'AWS::Lambda::Function' &&
            JSON.stringify(r.Properties['Environment'] ?? {}).includes('DOWNLOAD_KEY_SECRET_ARN'),
        ),
      );
      const variables = (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
      // The variables the readers take (the others name what this test does not make: the web origin's parameter).
      const env = Object.fromEntries(
        Object.entries(variables)
          .filter(([k]) => READER_VARIABLES.includes(k))
          .map(([k, v]) => [k, concrete(v)]),
      );
      return [role, { statements, env }];
    }),
  ) as Record<Role, { statements: Statement[]; env: Record<string, string> }>;
  return { roles, secrets };
}

/** `${LogicalId}` references to the secrets replaced by the ARNs moto gave them; none may be left. */
function resolved<T>(value: T, arns: Record<string, string>): T {
  const text = Object.entries(arns).reduce(
    (t, [id, arn]) => t.replaceAll(`\${${id}}`, arn),
    JSON.stringify(value),
  );
  expect(text).not.toContain('${');
  return JSON.parse(text) as T;
}

/** Runs `script` with boto3 from the repository's venv; its printed JSON is the result. */
function boto3<T>(script: string, ...args: string[]): T {
  const prelude = `
import json, sys, boto3
endpoint = sys.argv[1]
def client(svc, key=None):
    return boto3.client(svc, endpoint_url=endpoint, region_name='us-east-1',
        aws_access_key_id=key['id'] if key else 'x', aws_secret_access_key=key['secret'] if key else 'x')
`;
  const out = execFileSync(join(root, '.venv', 'bin', 'python'), ['-c', prelude + script, ...args], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as T;
}

/** The admin (the first three calls, before moto turns authentication on), the secrets, the parameters. */
function setUpAccount(
  endpoint: string,
  secrets: Record<string, { name: string; value: string }>,
  parameters: Record<string, string>,
): { admin: Key; arns: Record<string, string> } {
  return boto3(
    `
iam = client('iam')
iam.create_user(UserName='admin')
iam.put_user_policy(UserName='admin', PolicyName='all', PolicyDocument=json.dumps(
    {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]}))
key = iam.create_access_key(UserName='admin')['AccessKey']
admin = {'id': key['AccessKeyId'], 'secret': key['SecretAccessKey']}
sm, ssm = client('secretsmanager', admin), client('ssm', admin)
arns = {id: sm.create_secret(Name=s['name'], SecretString=s['value'])['ARN'] for id, s in json.loads(sys.argv[2]).items()}
for name, value in json.loads(sys.argv[3]).items():
    ssm.put_parameter(Name=name, Value=value, Type='String')
print(json.dumps({'admin': admin, 'arns': arns}))
`,
    endpoint,
    JSON.stringify(secrets),
    JSON.stringify(parameters),
  );
}

/** An IAM user per role holding exactly `statements`. */
function createUsers(endpoint: string, admin: Key, policies: Record<Role, Statement[]>): Record<Role, Key> {
  return boto3(
    `
iam = client('iam', json.loads(sys.argv[2]))
keys = {}
for role, statements in json.loads(sys.argv[3]).items():
    iam.create_user(UserName=role)
    iam.put_user_policy(UserName=role, PolicyName=role, PolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': statements}))
    key = iam.create_access_key(UserName=role)['AccessKey']
    keys[role] = {'id': key['AccessKeyId'], 'secret': key['SecretAccessKey']}
print(json.dumps(keys))
`,
    endpoint,
    JSON.stringify(admin),
    JSON.stringify(policies),
  );
}

/**
 * moto answers a refusal in XML, which these JSON clients cannot parse (a deserialization error without the text):
 * the client throws the text of any 403 instead, so a test sees which refusal it got.
 */
function withRefusalText<C extends SecretsManagerClient | SSMClient>(client: C): C {
  (client.middlewareStack as SecretsManagerClient['middlewareStack']).add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: Readable };
      if (response.statusCode === 403 && response.body) {
        const text = Buffer.concat((await response.body.toArray()) as Buffer[]).toString('utf8');
        throw Object.assign(new Error(text), { name: 'Refused' });
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'refusalText' },
  );
  return client;
}

/** moto's refusal of an ungranted call (AccessDenied for that action), not any other failure. */
async function expectDenied(call: Promise<unknown>, user: Role, action: string): Promise<void> {
  const error = await call.then(
    () => new Error('granted'),
    (e: unknown) => e as Error,
  );
  expect(error.name).toBe('Refused');
  expect(error.message).toContain('<Code>AccessDenied</Code>');
  expect(error.message).toContain(`user/${user} is not authorized to perform: ${action}`);
}

describe('the download links’ reads, as the notify and API roles grant them, enforced by moto', () => {
  const { roles, secrets } = synthesizedReads();
  const keyOf = (name: string) => `${name}-${'k'.repeat(40)}`; // over the 32 bytes a key needs
  let moto: ChildProcess;
  let arns: Record<string, string>;
  let env: Record<Role, Record<string, string>>;
  const secretsOf = {} as Record<Role | 'admin', SecretsManagerClient>;
  const ssmOf = {} as Record<Role | 'admin', SSMClient>;

  beforeAll(async () => {
    const started = await startIamMoto('moto_server_with_resources.py');
    moto = started.moto;
    const values = Object.fromEntries(
      Object.entries(secrets).map(([id, name]) => [id, { name, value: keyOf(name) }]),
    );
    const account = setUpAccount(started.endpoint, values, {
      [names.downloadLinksUrlParameter]: API_URL,
      [names.apiUrlParameter]: OTHER_URL,
    });
    arns = account.arns;
    env = { notify: resolved(roles.notify.env, arns), api: resolved(roles.api.env, arns) };
    const users = createUsers(started.endpoint, account.admin, {
      notify: resolved(roles.notify.statements, arns),
      api: resolved(roles.api.statements, arns),
    });
    for (const [who, key] of Object.entries({ ...users, admin: account.admin }) as [Role | 'admin', Key][]) {
      const options = {
        endpoint: started.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: key.id, secretAccessKey: key.secret },
        maxAttempts: 1,
      };
      secretsOf[who] = withRefusalText(new SecretsManagerClient(options));
      ssmOf[who] = withRefusalText(new SSMClient(options));
    }
  }, 60_000);

  afterAll(() => {
    moto?.kill('SIGTERM');
  });

  const downloadKeyId = () =>
    only(Object.keys(secrets).filter((id) => secrets[id] === names.downloadKeySecret));
  const tokenOf = (url: string) => url.split('/downloads/')[1] ?? '';
  const target = { key: 'outputs/u/j/mesh.glb', versionId: 'v1', jobId: 'job-00000001' };

  it('gives each role a Secrets Manager read and an SSM read, and nothing else of either service', () => {
    for (const role of ['notify', 'api'] as const) {
      const actions = roles[role].statements.flatMap((s) => [s.Action].flat());
      expect(new Set(actions)).toEqual(new Set(['secretsmanager:GetSecretValue', 'ssm:GetParameter']));
    }
  });

  it('lets the notify function’s reader sign links with the key, to the address the API publishes', async () => {
    expect(env.notify['DOWNLOAD_KEY_SECRET_ARN']).toBe(arns[downloadKeyId()]);
    const signer = await readDownloadLinkSigner(
      secretsOf.notify,
      env.notify['DOWNLOAD_KEY_SECRET_ARN'] ?? '',
      {
        previous: false,
      },
    );
    const links = await readDownloadLinks(signer, ssmOf.notify, env.notify['API_URL_PARAMETER'] ?? '');
    const url = links?.urlFor(target, new Date(Date.now() + 60_000)) ?? '';
    expect(url.startsWith(`${API_URL}downloads/`)).toBe(true);
    const key = createDownloadLinkSigner(Buffer.from(keyOf(names.downloadKeySecret)));
    expect(key.verify(tokenOf(url), new Date()).ok).toBe(true);
  });

  it('lets the API’s reader check links signed before a rotation, with the current and previous key', async () => {
    const before = await readDownloadLinkSigner(
      secretsOf.notify,
      env.notify['DOWNLOAD_KEY_SECRET_ARN'] ?? '',
      {
        previous: false,
      },
    );
    const token = before.sign({
      key: target.key,
      job: target.jobId,
      exp: Math.floor(Date.now() / 1000) + 60,
    });
    const rotated = `rotated-${'r'.repeat(40)}`;
    await secretsOf.admin.send(
      new PutSecretValueCommand({ SecretId: arns[downloadKeyId()], SecretString: rotated }),
    );
    // The API names the key by name (the notify stack makes it): its policy matches any of the six-character suffixes.
    const signer = await readDownloadLinkSigner(secretsOf.api, env.api['DOWNLOAD_KEY_SECRET_ARN'] ?? '', {
      previous: true,
    });
    expect(signer.verify(token, new Date()).ok).toBe(true);
    const links = await readDownloadLinks(signer, ssmOf.api, env.api['API_URL_PARAMETER'] ?? '');
    const url = links?.urlFor(target, new Date(Date.now() + 60_000)) ?? '';
    expect(url.startsWith(`${API_URL}downloads/`)).toBe(true);
    expect(createDownloadLinkSigner(Buffer.from(rotated)).verify(tokenOf(url), new Date()).ok).toBe(true);
    // Its own token key too.
    const own = await secretsOf.api.send(
      new GetSecretValueCommand({ SecretId: env.api['TOKEN_SECRET_ARN'] }),
    );
    expect(own.SecretString).toBeDefined();
  });

  it('refuses the notify role what it is not granted: writing the key, other secrets and parameters', async () => {
    const [secrets, ssm] = [secretsOf.notify, ssmOf.notify];
    const downloadKey = arns[downloadKeyId()] ?? '';
    const tokenKey = env.api['TOKEN_SECRET_ARN'] ?? '';
    await expectDenied(
      secrets.send(new PutSecretValueCommand({ SecretId: downloadKey, SecretString: 'x'.repeat(40) })),
      'notify',
      'secretsmanager:PutSecretValue',
    );
    await expectDenied(
      readDownloadLinkSigner(secrets, tokenKey, { previous: false }),
      'notify',
      'secretsmanager:GetSecretValue',
    );
    await expectDenied(
      readDownloadLinks(createDownloadLinkSigner(Buffer.from(keyOf('x'))), ssm, names.apiUrlParameter),
      'notify',
      'ssm:GetParameter',
    );
    await expectDenied(
      ssm.send(
        new PutParameterCommand({ Name: names.downloadLinksUrlParameter, Value: OTHER_URL, Overwrite: true }),
      ),
      'notify',
      'ssm:PutParameter',
    );
  });

  it('refuses the API role writing the key or its parameter, and reading other parameters', async () => {
    const downloadKey = arns[downloadKeyId()] ?? '';
    await expectDenied(
      secretsOf.api.send(new PutSecretValueCommand({ SecretId: downloadKey, SecretString: 'x'.repeat(40) })),
      'api',
      'secretsmanager:PutSecretValue',
    );
    await expectDenied(
      ssmOf.api.send(new GetParameterCommand({ Name: names.apiUrlParameter })),
      'api',
      'ssm:GetParameter',
    );
    await expectDenied(
      ssmOf.api.send(
        new PutParameterCommand({ Name: names.downloadLinksUrlParameter, Value: OTHER_URL, Overwrite: true }),
      ),
      'api',
      'ssm:PutParameter',
    );
  });
});
