import { App, Tags } from 'aws-cdk-lib';
import { SEED } from './seed';
import { StorageStack } from './stacks/storage-stack';

/** Builds the CDK app: one stack per independently deployable unit. */
export function buildApp(app = new App()): App {
  const env = { region: SEED.region, account: process.env['CDK_DEFAULT_ACCOUNT'] };
  new StorageStack(app, 'Gen3DStorageStack', { env });
  for (const [key, value] of Object.entries(SEED.tags)) Tags.of(app).add(key, value);
  return app;
}
