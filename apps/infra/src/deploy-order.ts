/**
 * Which Nx project deploys which stack, and the one order stacks deploy in: a first deploy (decision 0031) and every
 * CI run, which deploys the affected ones in this order (deploy-affected-cli.ts). docs/deploy.md says the same order;
 * deploy-order.spec.ts checks it against the CDK app's stack dependencies and against the docs.
 */
export interface DeployUnit {
  /** The stack's construct id in app.ts (the same in every stage). */
  readonly stack: string;
  /** The Nx project whose `deploy` target deploys it: apps/infra/deploy/<name>/project.json. */
  readonly project: string;
  /** The app whose build the stack packages (its bundle, its image), so that a change to the app deploys the stack. */
  readonly bundle?: string;
  /**
   * The inference stack names the image by the commit's tag: its deploy first waits until the images workflow has
   * pushed that image (image-wait-cli.ts); it builds none.
   */
  readonly awaitsImage?: boolean;
  /** The setting without which the app defines no such stack: its deploy then does nothing. */
  readonly onlyWith?: string;
  /** Why it is deployed where it is. */
  readonly why: string;
}

export const DEPLOY_ORDER: readonly DeployUnit[] = [
  {
    stack: 'Gen3DExtractStack',
    project: 'deploy-extract',
    bundle: 'extract-lambda',
    why: 'S3 checks that the functions the bucket notifications name exist (storage depends on it)',
  },
  {
    stack: 'Gen3DNotifyStack',
    project: 'deploy-notify',
    bundle: 'notify-lambda',
    why: 'S3 checks that the functions the bucket notifications name exist (storage depends on it)',
  },
  {
    stack: 'Gen3DReplicaStack',
    project: 'deploy-replica',
    onlyWith: 'gen3d:drReplica',
    why: 'the replication rule names the replica bucket (storage depends on it)',
  },
  {
    stack: 'Gen3DStorageStack',
    project: 'deploy-storage',
    why: 'the buckets and the image repository that the stacks after it use by name',
  },
  {
    stack: 'Gen3DOperationsStack',
    project: 'deploy-operations',
    why: 'alarms, dashboard and the optional trail over what the stacks before it made',
  },
  {
    stack: 'Gen3DInferenceStack',
    project: 'deploy-inference',
    bundle: 'inference-server',
    awaitsImage: true,
    why: 'SageMaker checks that the image exists, in the repository the storage stack made',
  },
  {
    stack: 'Gen3DWebStack',
    project: 'deploy-web',
    bundle: 'web',
    why: 'copies the site into the data bucket and publishes its origin in SSM',
  },
  {
    stack: 'Gen3DApiStack',
    project: 'deploy-api',
    bundle: 'api-lambda',
    why: 'reads the web stack’s SSM parameters when it deploys (depends on it)',
  },
];

export class UnknownDeployProjectError extends Error {
  constructor(readonly projects: readonly string[]) {
    super(
      `no stack is deployed by ${projects.join(', ')}: only apps/infra/deploy/* projects have a deploy target, ` +
        'each listed in apps/infra/src/deploy-order.ts',
    );
    this.name = 'UnknownDeployProjectError';
  }
}

/**
 * The deploy units of the given Nx projects (as `nx show projects --affected --withTarget deploy` lists them), in
 * deploy order. A project with a deploy target that deploys no listed stack is refused, not skipped.
 *
 * @example deployPlan(['deploy-storage', 'deploy-notify']) // [notify unit, storage unit]
 */
export function deployPlan(projects: readonly string[]): DeployUnit[] {
  const unknown = projects.filter((p) => !DEPLOY_ORDER.some((unit) => unit.project === p));
  if (unknown.length > 0) throw new UnknownDeployProjectError(unknown);
  return DEPLOY_ORDER.filter((unit) => projects.includes(unit.project));
}
