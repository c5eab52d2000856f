import { namesFor } from '../names';
import { readSettings } from '../settings';
import { decommissionPlan } from './plan';

const planFor = (env: Record<string, string> = {}) => {
  const settings = readSettings(() => undefined, env);
  return decommissionPlan(namesFor(settings), settings, './export');
};

describe('the decommissioning plan (seed §20)', () => {
  it('carries out the twelve items, export first, in the seed’s order', () => {
    const plan = planFor();
    const items = plan.flatMap((p) => p.items);
    expect(new Set(items)).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    // The first time each item appears follows the seed's order, except what one stack's destroy carries with it
    // (roles and identities with the functions).
    expect(plan[0]?.step).toEqual({ kind: 'export', bucket: 'gen3d-data-bucket', to: './export' });
    expect(plan[1]?.step).toEqual({ kind: 'notifications', bucket: 'gen3d-data-bucket' });
    const kinds = plan.map((p) => p.step.kind);
    expect(kinds.indexOf('destroy')).toBeGreaterThan(kinds.indexOf('notifications'));
    expect(kinds.indexOf('empty-bucket')).toBeGreaterThan(kinds.lastIndexOf('destroy'));
    expect(kinds.at(-2)).toBe('log-groups');
  });

  it('destroys every stack of the app and empties every bucket it keeps', () => {
    const plan = planFor({ GEN3D_S3_ACCESS_LOGS: 'true', GEN3D_DR_REPLICA: 'true' });
    const stacks = plan.flatMap((p) => (p.step.kind === 'destroy' ? p.step.stacks : []));
    expect([...stacks].sort()).toEqual(
      [
        'Gen3DApiStack',
        'Gen3DExtractStack',
        'Gen3DInferenceStack',
        'Gen3DNotifyStack',
        'Gen3DOperationsStack',
        'Gen3DReplicaStack',
        'Gen3DStorageStack',
        'Gen3DWebStack',
      ].sort(),
    );
    expect(plan.flatMap((p) => (p.step.kind === 'empty-bucket' ? [p.step.bucket] : []))).toEqual([
      'gen3d-data-bucket',
      'gen3d-model-bucket',
      'gen3d-data-bucket-access-logs',
    ]);
  });

  it('never touches production’s account-wide repository from the sandbox stage', () => {
    const plan = planFor({ GEN3D_STAGE: 'sandbox' });
    expect(plan.filter((p) => p.step.kind === 'ecr')).toEqual([]);
    expect(plan[0]?.step).toMatchObject({ bucket: 'sandbox-gen3d-data-bucket' });
  });
});
