import { defined, synthesize, type CloudFormationTemplate } from './testing';

// Download links (decision 0038): one generated key in the notify stack, read (never written) by the notify function
// and the API; the notify function also reads the API's download-links URL parameter, and nothing else of SSM.
const app = synthesize();

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

function statementsOf(template: CloudFormationTemplate, roleName: string): Statement[] {
  const role = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::IAM::Role' && r.Properties?.['RoleName'] === roleName,
  );
  if (!role) throw new Error(`no role ${roleName}`);
  return ((role.Properties?.['Policies'] ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());
const environmentOf = (template: CloudFormationTemplate, functionName: string) => {
  const fn = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.['FunctionName'] === functionName,
  );
  return (fn?.Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
};

describe('the download link key and its readers', () => {
  const notify = app.json('Gen3DNotifyStack');
  const api = app.json('Gen3DApiStack');

  it('is a generated secret of the notify stack, kept when the stack goes', () => {
    const secrets = Object.entries(notify.Resources).filter(
      ([, r]) => r.Type === 'AWS::SecretsManager::Secret',
    );
    expect(secrets).toHaveLength(1);
    const [id, secret] = defined(secrets[0], 'the download key');
    expect(secret.Properties).toMatchObject({
      Name: app.names.downloadKeySecret,
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
    expect(secret['DeletionPolicy']).toBe('RetainExceptOnCreate');
    expect(environmentOf(notify, app.names.notifyFunction)).toMatchObject({
      DOWNLOAD_KEY_SECRET_ARN: { Ref: id },
      API_URL_PARAMETER: app.names.downloadLinksUrlParameter,
    });
  });

  it('the notify function may read the key and the API URL parameter, and write neither', () => {
    const statements = statementsOf(notify, app.names.notifyRole);
    const actions = actionsOf(statements);
    expect(actions.filter((a) => a.startsWith('secretsmanager:'))).toEqual(['secretsmanager:GetSecretValue']);
    expect(actions.filter((a) => a.startsWith('ssm:'))).toEqual(['ssm:GetParameter']);
    const [secretId] = defined(
      Object.entries(notify.Resources).find(([, r]) => r.Type === 'AWS::SecretsManager::Secret'),
      'the download key',
    );
    const read = (action: string) =>
      defined(
        statements.find((s) => s.Action === action),
        action,
      ).Resource;
    expect(read('secretsmanager:GetSecretValue')).toEqual({ Ref: secretId });
    const readUrl = JSON.stringify(read('ssm:GetParameter'));
    expect(readUrl).toContain(`:parameter${app.names.downloadLinksUrlParameter}"`);
  });

  it('the API reads the key by name, only with GetSecretValue, and is told its name and its own URL parameter', () => {
    const statements = statementsOf(api, app.names.apiRole);
    const actions = actionsOf(statements);
    expect(new Set(actions.filter((a) => a.startsWith('secretsmanager:')))).toEqual(
      new Set(['secretsmanager:GetSecretValue']),
    );
    const reads = statements
      .filter((s) => s.Action === 'secretsmanager:GetSecretValue')
      .map((s) => s.Resource);
    expect(reads.filter((r) => JSON.stringify(r).includes(app.names.downloadKeySecret))).toEqual([
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':secretsmanager:us-east-1:',
            { Ref: 'AWS::AccountId' },
            `:secret:${app.names.downloadKeySecret}-??????`,
          ],
        ],
      },
    ]);
    expect(environmentOf(api, app.names.apiFunction)).toMatchObject({
      DOWNLOAD_KEY_SECRET_ARN: app.names.downloadKeySecret,
      API_URL_PARAMETER: app.names.downloadLinksUrlParameter,
    });
    const ssmReads = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('ssm:')));
    expect(ssmReads.map((s) => s.Action)).toEqual(['ssm:GetParameter']);
    expect(JSON.stringify(ssmReads[0]?.Resource)).toContain(
      `:parameter${app.names.downloadLinksUrlParameter}"`,
    );
  });

  it('the API stack publishes its download-links URL only after its function, and no other stack writes it', () => {
    const [id, parameter] = defined(
      Object.entries(api.Resources).find(
        ([, r]) =>
          r.Type === 'AWS::SSM::Parameter' && r.Properties?.['Name'] === app.names.downloadLinksUrlParameter,
      ),
      'the download-links URL parameter',
    );
    const [functionId] = defined(
      Object.entries(api.Resources).find(
        ([, r]) =>
          r.Type === 'AWS::Lambda::Function' && r.Properties?.['FunctionName'] === app.names.apiFunction,
      ),
      'the API function',
    );
    expect([parameter['DependsOn']].flat()).toContain(functionId);
    const published = Object.values(api.Resources).find(
      (r) => r.Type === 'AWS::SSM::Parameter' && r.Properties?.['Name'] === app.names.apiUrlParameter,
    );
    expect(parameter.Properties?.['Value']).toEqual(published?.Properties?.['Value']);
    const writers = app.stacks.flatMap((stack) =>
      Object.values(app.json(stack.node.id).Resources)
        .filter((r) => r.Type === 'AWS::SSM::Parameter')
        .filter((r) => r.Properties?.['Name'] === app.names.downloadLinksUrlParameter)
        .map(() => stack.node.id),
    );
    expect(writers).toEqual(['Gen3DApiStack']);
    expect(id).toMatch(/DownloadLinksUrlParameter/);
  });
});
