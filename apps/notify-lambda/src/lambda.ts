import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SESClient } from '@aws-sdk/client-ses';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { parseNotifyConfig } from '@gen3d/jobs';
import { DOWNLOAD_SOURCES_TTL_MS, refreshEvery } from '@gen3d/jobs/download-link-sources';
import { SesMailer } from '@gen3d/jobs/ses';
import type { Logger } from '@gen3d/logging';
import { bindBucket, S3ObjectStore } from '@gen3d/object-store';
import { type Environment } from '@gen3d/runtime';
import { downloadLinkSourcesOf, loadDownloadLinks } from './download-links';
import { createNotifyHandler } from './handler';

export interface NotifyLambdaClients {
  readonly s3: S3Client;
  readonly ses: SESClient;
  readonly secrets: SecretsManagerClient;
  readonly ssm: SSMClient;
}

type NotifyHandler = ReturnType<typeof createNotifyHandler>;

/**
 * The notify function's AWS entry point. Settings are parsed here, once (a ConfigError names the variable); the
 * download key and the API's URL are read on first use and again every DOWNLOAD_SOURCES_TTL_MS (a failed first read
 * fails the event, retried; a failed re-read keeps what was read before). While the API does not publish its URL, the
 * emails carry presigned links.
 */
export function createNotifyLambda(
  env: Environment,
  clients: NotifyLambdaClients,
  logger: Logger,
): (...args: Parameters<NotifyHandler>) => ReturnType<NotifyHandler> {
  const config = parseNotifyConfig(env);
  const linkSources = downloadLinkSourcesOf(env);
  const mailer = new SesMailer(clients.ses, config.sourceEmail, env['SES_CONFIGURATION_SET'] || undefined);
  const data = bindBucket(new S3ObjectStore(clients.s3), config.dataBucket);
  const handler = refreshEvery(async () => {
    const links = linkSources ? await loadDownloadLinks(linkSources, clients) : undefined;
    if (linkSources && !links)
      logger.warn('the API does not publish its download links yet: presigned links');
    return createNotifyHandler(
      { config, data, mailer, clock: () => new Date(), ...(links ? { links } : {}) },
      logger,
    );
  }, DOWNLOAD_SOURCES_TTL_MS);
  return async (...args) => (await handler())(...args);
}
