import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { STSClient } from '@aws-sdk/client-sts';
import { namesFor } from './names';
import { readAccountFacts } from './preflight/account-facts';
import { assessDeployment, type Finding } from './preflight/findings';
import { SEED } from './seed';
import { readSettings, SettingsError } from './settings';

const MARK: Record<Finding['level'], string> = { ok: 'ok   ', act: 'ACT  ', block: 'BLOCK' };

/**
 * `npm run preflight [-- --first-deploy]`: with the deployer's credentials and the deployment's GEN3D_* settings,
 * reads the account's quotas, SES state, bucket names and identities, and prints one line each: what is fine, what to
 * request or change. Exit 1 when a deploy would fail, 2 when the settings are malformed.
 */
async function main(): Promise<void> {
  const firstDeploy = process.argv.includes('--first-deploy');
  const settings = readSettings(() => undefined, process.env);
  const names = namesFor(settings);
  const region = SEED.region;
  const facts = await readAccountFacts(
    {
      lambda: new LambdaClient({ region }),
      ses: new SESv2Client({ region }),
      quotas: new ServiceQuotasClient({ region }),
      s3: new S3Client({ region }),
      sts: new STSClient({ region }),
    },
    settings,
    names,
  );
  const findings = assessDeployment(facts, settings, names, { firstDeploy });
  for (const finding of findings) console.log(`${MARK[finding.level]} ${finding.line}`);
  const blocks = findings.filter((f) => f.level === 'block').length;
  console.log(
    blocks === 0
      ? 'preflight: nothing blocks a deploy'
      : `preflight: ${blocks} thing(s) would make the deploy fail`,
  );
  process.exitCode = blocks === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? error.message : error);
  process.exitCode = 2;
});
