import { createApiHandler, createTokenSigner, parseApiConfig } from '@gen3d/api';
import { createDownloadLinks } from '@gen3d/jobs';
import { bindBucket } from '@gen3d/object-store';
import type { MountedApi } from './http-server';
import { readOrCreateSecret } from './secrets';
import type { ApiDeps } from './stack';

/**
 * The web API of issue 11 (libs/api, the same core the API Lambda runs) inside the local stack, under `/api`:
 * the folder store signs its upload forms, the outbox sends its confirmation mail, a key file signs its tokens.
 */
export async function mountWebApi(deps: ApiDeps): Promise<MountedApi> {
  const handle = createApiHandler({
    data: bindBucket(deps.store, deps.config.dataBucket),
    signUpload: (key, options) => deps.store.presignPost(deps.config.dataBucket, key, options),
    tokens: createTokenSigner(
      await readOrCreateSecret(deps.config.apiKeyFile, (reason) => deps.log.warn(reason)),
    ),
    sendEmail: (email) => deps.mailer.send(email),
    downloads: deps.downloads,
    // The held results a confirmation sends link through this API too, as the notify core's emails do.
    downloadLinks: createDownloadLinks(deps.downloads, `${deps.url}/api`),
    now: () => new Date(),
    log: deps.log,
    // The settings the stack shares with the other cores, typed; the API's own from the environment.
    config: parseApiConfig(process.env, {
      webUrl: deps.webUrl,
      linkExpirySeconds: deps.config.linkExpirySeconds,
      maxUploadBytes: deps.config.maxUploadBytes,
      limits: deps.config.limits,
      retentionDays: deps.config.retentionDays,
    }),
  });
  return (request) => handle(request);
}
