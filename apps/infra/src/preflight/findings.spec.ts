import { namesFor } from '../names';
import { readSettings } from '../settings';
import { assessDeployment, reservedConcurrencyOf, type AccountFacts, type Finding } from './findings';

const settingsOf = (env: Record<string, string> = {}) => readSettings(() => undefined, env);
const known = <T>(value: T) => ({ known: true as const, value });

/** A new account as AWS hands it out: Lambda quota 10, SES sandbox, no endpoint instances, names free. */
const freshAccount: AccountFacts = {
  lambda: known({ concurrencyQuota: 10, unreserved: 10 }),
  ses: known({ productionAccess: false, sendingEnabled: true, max24HourSend: 200 }),
  sageMakerInstances: known(0),
  buckets: [
    { name: 'gen3d-data-bucket', state: known('free' as const) },
    { name: 'gen3d-model-bucket', state: known('free' as const) },
  ],
  identities: [{ identity: 'noreply@genesis3d.com', state: known('absent' as const) }],
};

/** A grown-up account: quotas raised, SES out of the sandbox, Gen3D deployed before. */
const readyAccount: AccountFacts = {
  lambda: known({ concurrencyQuota: 1000, unreserved: 830 }),
  ses: known({ productionAccess: true, sendingEnabled: true, max24HourSend: 50_000 }),
  sageMakerInstances: known(4),
  buckets: [{ name: 'gen3d-data-bucket', state: known('yours' as const) }],
  identities: [{ identity: 'noreply@genesis3d.com', state: known('verified' as const) }],
};

function assess(facts: AccountFacts, env: Record<string, string> = {}, firstDeploy = false): Finding[] {
  const settings = settingsOf(env);
  return assessDeployment(facts, settings, namesFor(settings), { firstDeploy });
}
const lines = (findings: Finding[], level: Finding['level']) =>
  findings.filter((f) => f.level === level).map((f) => f.line);

describe('preflight findings (seed §18)', () => {
  it('blocks a fresh account: Lambda quota 10 against 170 reserved + 100, no endpoint instance', () => {
    const blocks = lines(assess(freshAccount, {}, true), 'block');
    expect(blocks).toEqual([
      expect.stringMatching(
        /quota is 10; the reserved concurrency \(170\) needs 270: request .* ≥ 270.*or to none/,
      ),
      expect.stringMatching(/ml\.g4dn\.xlarge for endpoint usage" is 0: request ≥ 3/),
    ]);
    expect(lines(assess(freshAccount, {}, true), 'act')).toEqual([
      expect.stringMatching(/SES is in the sandbox/),
    ]);
  });

  it('lets a small account through once nothing is reserved', () => {
    const env = {
      GEN3D_EXTRACT_RESERVED_CONCURRENCY: 'none',
      GEN3D_NOTIFY_RESERVED_CONCURRENCY: 'none',
      GEN3D_API_RESERVED_CONCURRENCY: 'none',
    };
    expect(reservedConcurrencyOf(settingsOf(env))).toBe(0);
    expect(lines(assess(freshAccount, env), 'block')).toEqual([expect.stringMatching(/endpoint usage/)]);
  });

  it('finds nothing to do in a ready account on a later deploy', () => {
    expect(assess(readyAccount).filter((f) => f.level !== 'ok')).toEqual([]);
  });

  it('blocks a first deploy where a bucket or identity already exists (CloudFormation cannot create it)', () => {
    const blocks = lines(assess(readyAccount, {}, true), 'block');
    expect(blocks).toEqual([
      expect.stringMatching(/bucket gen3d-data-bucket already exists/),
      expect.stringMatching(/noreply@genesis3d.com already exists/),
    ]);
  });

  it('blocks a bucket name another account owns, naming the setting that fixes it', () => {
    const taken = {
      ...readyAccount,
      buckets: [{ name: 'gen3d-data-bucket', state: known('taken' as const) }],
    };
    expect(lines(assess(taken), 'block')).toEqual([
      expect.stringMatching(
        /another account \(or these credentials may not read it\): set GEN3D_DATA_BUCKET_NAME/,
      ),
    ]);
  });

  it('asks for the scaling quota when the endpoint could start but not scale to gen3d:maxInstances', () => {
    const one = { ...readyAccount, sageMakerInstances: known(1) };
    expect(lines(assess(one), 'act')).toEqual([expect.stringMatching(/is 1; auto scaling goes to 3/)]);
  });

  it('says what it could not read instead of guessing', () => {
    const denied = {
      ...readyAccount,
      lambda: { known: false as const, why: 'AccessDeniedException: not authorized' },
    };
    expect(lines(assess(denied), 'act')).toEqual([
      'Lambda concurrency quota: could not be read (AccessDeniedException: not authorized); check it by hand before deploying',
    ]);
  });

  it('expects the sandbox stage to send with production’s verified identities', () => {
    const findings = assess(freshAccount, { GEN3D_STAGE: 'sandbox' });
    expect(lines(findings, 'act')).toContainEqual(
      expect.stringMatching(/noreply@genesis3d.com is absent: .*create and verify it/),
    );
  });
});
