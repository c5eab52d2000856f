import { App, Tags, Validations, type Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { skipCheckov } from './checkov';
import { namesFor, type Names } from './names';
import { SEED, tagsFor } from './seed';
import { readSettings, type Settings } from './settings';
import { ApiStack } from './stacks/api-stack';
import { ExtractStack } from './stacks/extract-stack';
import { InferenceStack } from './stacks/inference-stack';
import { NotifyStack } from './stacks/notify-stack';
import { OperationsStack } from './stacks/operations-stack';
import { ReplicaStack } from './stacks/replica-stack';
import { StorageStack } from './stacks/storage-stack';
import { WebStack } from './stacks/web-stack';

export interface Gen3DApp {
  readonly app: App;
  readonly settings: Settings;
  readonly names: Names;
  readonly stacks: Stack[];
}

/**
 * Builds the CDK app: one stack per independently deployable unit, each deployed by its project's `deploy` target
 * (`tools/scripts/deploy.sh <stack id>`). Stack ids are the same in every stage; the sandbox stage changes the
 * CloudFormation stack names and every physical name (names.ts). cdk-nag's AwsSolutions checks run on every synth.
 */
export function buildGen3DApp(
  app = new App(),
  env: Record<string, string | undefined> = process.env,
): Gen3DApp {
  // Server access logs (gen3d:s3AccessLogs) are delivered under a bucket policy, not the LogDeliveryWrite ACL: every
  // bucket has ACLs off (BUCKET_OWNER_ENFORCED).
  app.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
  const settings = readSettings((key) => app.node.tryGetContext(key), env);
  const names = namesFor(settings);
  const account = env['CDK_DEFAULT_ACCOUNT'];
  const props = (stackName: string) => ({
    env: { region: SEED.region, account },
    stackName,
    names,
    settings,
    description: `Gen3D (${settings.stage}): ${stackName}`,
  });

  const storage = new StorageStack(app, 'Gen3DStorageStack', props(names.stacks.storage));
  const extract = new ExtractStack(app, 'Gen3DExtractStack', props(names.stacks.extract));
  const notify = new NotifyStack(app, 'Gen3DNotifyStack', props(names.stacks.notify));
  const web = new WebStack(app, 'Gen3DWebStack', props(names.stacks.web));
  const api = new ApiStack(app, 'Gen3DApiStack', props(names.stacks.api));
  const inference = new InferenceStack(app, 'Gen3DInferenceStack', props(names.stacks.inference));
  skipCheckov(
    inference.model,
    'CKV_AWS_370',
    'The container reads the upload and the segmentation model from S3 and writes the mesh, report and status itself (the sidecar), which network isolation forbids; its role limits what it reaches (access.ts).',
  );
  const stacks: Stack[] = [
    storage,
    inference,
    extract,
    notify,
    web,
    api,
    new OperationsStack(app, 'Gen3DOperationsStack', props(names.stacks.operations)),
  ];
  // The API reads the web stack's SSM parameters (its origin and distribution) when it deploys.
  api.addStackDependency(web, 'the API reads the web origin and distribution id from SSM');
  // Order only (no exports): S3 checks the notification destinations, so `cdk deploy --all` creates the functions
  // before the bucket configuration that names them, and the replica before the rule that writes to it.
  storage.addStackDependency(extract, 'S3 validates the extract function named by the bucket notifications');
  storage.addStackDependency(notify, 'S3 validates the notify function named by the bucket notifications');
  if (settings.drReplica) {
    const replica = new ReplicaStack(app, 'Gen3DReplicaStack', {
      ...props(names.stacks.replica),
      env: { region: SEED.replicaRegion, account },
    });
    storage.addStackDependency(replica, 'the replication rule names the replica bucket');
    stacks.push(replica);
  }

  for (const [key, value] of Object.entries(tagsFor(settings.stage))) Tags.of(app).add(key, value);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, settings, names, stacks };
}

/** The CDK app as `cdk synth` runs it (main.ts). */
export function buildApp(app = new App()): App {
  return buildGen3DApp(app).app;
}
