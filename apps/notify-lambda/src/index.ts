import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { parseNotifyConfig } from '@gen3d/jobs';
import { createSesClient, SesMailer } from '@gen3d/jobs/ses';
import { createLogger } from '@gen3d/logging';
import { bindBucket, createS3Client, S3ObjectStore } from '@gen3d/object-store';
import { downloadLinkSourcesOf, loadDownloadLinks } from './download-links';
import { createNotifyHandler } from './handler';

// Cold start: configuration problems fail here, once, with the variable named (ConfigError), not per event.
const config = parseNotifyConfig(process.env);
const linkSources = downloadLinkSourcesOf(process.env);
const logger = createLogger({ service: 'notify-lambda' });

async function build() {
  const links = linkSources
    ? await loadDownloadLinks(linkSources, { secrets: new SecretsManagerClient({}), ssm: new SSMClient({}) })
    : undefined;
  return createNotifyHandler(
    {
      config,
      data: bindBucket(new S3ObjectStore(createS3Client()), config.dataBucket),
      mailer: new SesMailer(
        createSesClient(),
        config.sourceEmail,
        process.env['SES_CONFIGURATION_SET'] || undefined,
      ),
      clock: () => new Date(),
      ...(links ? { links } : {}),
    },
    logger,
  );
}

let ready: ReturnType<typeof build> | undefined;

/** Lambda's handler setting `lambda_function.lambda_handler` (the seed's) points here: see docs/decisions/0002. */
export const lambda_handler = async (...args: Parameters<Awaited<ReturnType<typeof build>>>) => {
  // The key and the API's URL are read once per container; a failed read is not cached (the retry reads again).
  ready ??= build().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  return (await ready)(...args);
};
