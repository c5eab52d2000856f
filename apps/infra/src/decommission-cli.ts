import { CloudWatchLogsClient, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { S3Client } from '@aws-sdk/client-s3';
import { DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { spawnSync } from 'node:child_process';
import { decommissionPlan, type DecommissionStep } from './decommission/plan';
import { emptyAndDeleteBucket, exportUserData, removeNotifications } from './decommission/s3-steps';
import { namesFor } from './names';
import { SEED } from './seed';
import { readSettings, SettingsError } from './settings';

const USAGE =
  'usage: npm run decommission -- --to FOLDER|s3://BUCKET/PREFIX [--yes] [--from STEP] [--delete-logs]';

function optionAfter(args: readonly string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}

const notFound = (error: unknown) => /NotFound|NoSuch|ResourceNotFound/.test((error as Error).name);

async function run(step: DecommissionStep, region: string): Promise<string> {
  const s3 = new S3Client({ region });
  switch (step.kind) {
    case 'export': {
      const { objects, bytes } = await exportUserData(s3, step.bucket, step.to);
      return `exported ${objects} objects, ${bytes} bytes, checked`;
    }
    case 'notifications':
      await removeNotifications(s3, step.bucket);
      return 'done';
    case 'destroy': {
      const cdk = spawnSync(
        'npx',
        ['cdk', 'destroy', '--app', 'node dist/apps/infra/main.js', ...step.stacks, '--force'],
        { stdio: 'inherit' },
      );
      if (cdk.status !== 0) throw new Error(`cdk destroy ${step.stacks.join(' ')} exited with ${cdk.status}`);
      return 'done';
    }
    case 'ecr':
      await new ECRClient({ region })
        .send(new DeleteRepositoryCommand({ repositoryName: step.repository, force: true }))
        .catch((error: unknown) => (notFound(error) ? undefined : Promise.reject(error)));
      return 'done';
    case 'empty-bucket':
      return `deleted ${await emptyAndDeleteBucket(s3, step.bucket)} versions and the bucket`;
    case 'log-groups': {
      const logs = new CloudWatchLogsClient({ region });
      for (const group of step.groups) {
        await logs
          .send(new DeleteLogGroupCommand({ logGroupName: group }))
          .catch((error: unknown) => (notFound(error) ? undefined : Promise.reject(error)));
      }
      return 'done';
    }
    case 'secrets': {
      const secrets = new SecretsManagerClient({ region });
      for (const secret of step.secrets) {
        await secrets
          .send(new DeleteSecretCommand({ SecretId: secret, RecoveryWindowInDays: 7 }))
          .catch((error: unknown) => (notFound(error) ? undefined : Promise.reject(error)));
      }
      return 'done';
    }
  }
}

/**
 * `npm run decommission -- --to FOLDER|s3://BUCKET/PREFIX [--yes]`: the seed's checklist (§20) in its order. Without
 * `--yes` it prints the plan and changes nothing; with it, it exports the user data first, checks the export, and
 * stops at the first step that fails (nothing after an incomplete export is deleted). Uses the GEN3D_* settings of
 * the deployment it removes.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const to = optionAfter(args, '--to');
  if (!to) throw new SettingsError(USAGE);
  const settings = readSettings(() => undefined, process.env);
  const plan = decommissionPlan(namesFor(settings), settings, to);
  const act = args.includes('--yes');
  const from = Number(optionAfter(args, '--from') ?? '1');
  if (!Number.isInteger(from) || from < 1 || from > plan.length) throw new SettingsError(USAGE);
  for (const [index, planned] of plan.entries()) {
    const items = planned.items.length ? ` (seed §20: ${planned.items.join(', ')})` : '';
    const keepLogs = planned.step.kind === 'log-groups' && !args.includes('--delete-logs');
    const skipped =
      index + 1 < from
        ? ' — skipped (--from)'
        : keepLogs
          ? ' — skipped: add --delete-logs after their retention'
          : '';
    console.log(`${index + 1}. ${planned.title}${items}${skipped}`);
    if (act && !skipped) {
      try {
        console.log(`   ${await run(planned.step, SEED.region)}`);
      } catch (error) {
        throw new Error(
          `step ${index + 1} failed: ${(error as Error).message}; fix it, then rerun with --from ${index + 1}`,
        );
      }
    }
  }
  if (!act) console.log('dry run: nothing was changed; add --yes to carry it out');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = error instanceof SettingsError ? 2 : 1;
});
