import { cfnText } from './cfn-text';
import { synthesize, type Synthesized } from './testing';

// What each role may list and where the web deployments may write, on the synthesized templates (the roles test,
// tests/roles.int.spec.ts, runs the same policies against moto with IAM and s3:prefix enforced).
const production = synthesize();

type Statement = {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
type Resource = { Type: string; Properties?: Record<string, unknown> };

const resourcesOf = (app: Synthesized, stack: string): [string, Resource][] =>
  Object.entries(app.json(stack).Resources) as [string, Resource][];
const statementsOf = (role: Resource): Statement[] =>
  ((role.Properties?.['Policies'] ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
const actionsOf = (s: Statement) => ([] as string[]).concat(s.Action);
const resourcesOfStatement = (s: Statement) => ([] as unknown[]).concat(s.Resource).map((r) => cfnText(r));

describe('who may list what in the buckets', () => {
  const roles = production.stacks.flatMap((stack) =>
    resourcesOf(production, stack.node.id)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .map(([id, r]) => ({
        stack: stack.node.id,
        id,
        name: String(r.Properties?.['RoleName'] ?? id),
        role: r,
      })),
  );

  it('gives no role a listing of a whole bucket: every s3:ListBucket names its prefixes (s3:prefix)', () => {
    const listings = roles.flatMap(({ name, role }) =>
      statementsOf(role)
        .filter((s) => actionsOf(s).some((a) => a.startsWith('s3:List')))
        .map((s) => ({ name, prefixes: s.Condition?.['StringLike']?.['s3:prefix'] })),
    );
    expect(listings.length).toBeGreaterThanOrEqual(5);
    for (const listing of listings) expect(listing.prefixes).toEqual(expect.any(Array));
  });

  it('lists for each pipeline role exactly the keys it reads, plus what it must list', () => {
    const prefixes = (roleName: string) => {
      const role = roles.find((r) => r.name === roleName)?.role;
      if (!role) throw new Error(`no role ${roleName}`);
      return statementsOf(role)
        .filter((s) => actionsOf(s).includes('s3:ListBucket'))
        .flatMap((s) => s.Condition?.['StringLike']?.['s3:prefix'] as string[]);
    };
    expect(prefixes('Gen3DLambdaNotifyRole')).toEqual([
      'users/*/output/*',
      'rejected/*.failure.json',
      'sagemaker-output/failures/*',
      'users/*/input/*',
      'users/*/jobs/*/request.json',
      'jobs/*.json',
      'users/*/jobs/*/notify.lock',
      'rejected/*.notify.lock',
      'users/*/jobs/*/status.json',
      'api/addresses/*',
    ]);
    expect(prefixes('Gen3DLambdaExtractRole')).toContain('users/*/jobs/*'); // a session's jobs (admission)
    expect(prefixes('Gen3DSageMakerExecutionRole')).toEqual(
      expect.arrayContaining(['users/*/masks/*', 'sam3d-model/*', 'segmentation/*']),
    );
    for (const role of ['Gen3DLambdaNotifyRole', 'Gen3DLambdaExtractRole', 'Gen3DSageMakerExecutionRole']) {
      expect(prefixes(role).filter((p) => p === '*' || p === '' || p.startsWith('public/'))).toEqual([]);
    }
  });
});

describe('the web deployments (CDK BucketDeployment) write under public/ only', () => {
  for (const stack of ['Gen3DWebStack', 'Gen3DApiStack']) {
    it(`${stack}: its handler's role writes, prunes and lists public/ only and invalidates one distribution`, () => {
      const resources = resourcesOf(production, stack);
      // CDK's own grants (read, write and delete on the whole bucket) would be an AWS::IAM::Policy: there is none.
      expect(resources.filter(([, r]) => r.Type === 'AWS::IAM::Policy')).toEqual([]);
      const handler = resources.find(
        ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('CustomCDKBucketDeployment'),
      );
      const roleId = cfnText(handler?.[1].Properties?.['Role']).replace(/^\$\{(\w+)\.Arn\}$/, '$1');
      const role = resources.find(([id]) => id === roleId)?.[1];
      if (!role) throw new Error(`the handler's role ${roleId} is not in ${stack}`);
      const statements = statementsOf(role);
      const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
      const writes = s3.filter((s) => actionsOf(s).some((a) => /^s3:(Put|Delete|Abort)/.test(a)));
      expect(writes.flatMap(resourcesOfStatement)).toEqual([
        'arn:${AWS::Partition}:s3:::gen3d-data-bucket/public/*',
      ]);
      const listing = s3.filter((s) => actionsOf(s).includes('s3:ListBucket'));
      expect(listing.map((s) => s.Condition)).toEqual([{ StringLike: { 's3:prefix': ['public/*'] } }]);
      const reads = s3.filter((s) => actionsOf(s).includes('s3:GetObject')).flatMap(resourcesOfStatement);
      // The deployment's one zip, in the bucket the stack's synthesizer published it to: no wildcard.
      expect(reads).toEqual([
        expect.stringMatching(
          /^arn:\$\{AWS::Partition\}:s3:::cdk-hnb659fds-assets-\$\{AWS::AccountId\}-us-east-1\/[0-9a-f]{64}\.zip$/,
        ),
      ]);
      const invalidation = statements.find((s) => actionsOf(s).includes('cloudfront:CreateInvalidation'));
      expect(resourcesOfStatement(invalidation as Statement)).toEqual([
        expect.stringMatching(
          /^arn:\$\{AWS::Partition\}:cloudfront::\$\{AWS::AccountId\}:distribution\/\$\{.+\}$/,
        ),
      ]);
    });
  }
});
