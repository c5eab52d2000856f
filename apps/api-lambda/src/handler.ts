import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SESClient } from '@aws-sdk/client-ses';
import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  createApiHandler,
  createTokenSigner,
  forFunctionUrl,
  keyFromText,
  parseApiConfig,
  type FunctionUrlEvent,
  type FunctionUrlResult,
} from '@gen3d/api';
import { SesMailer } from '@gen3d/jobs/ses';
import type { Logger } from '@gen3d/logging';
import { bindBucket, type ObjectStore } from '@gen3d/object-store';
import { DATA_BUCKET, SOURCE_EMAIL } from '@gen3d/jobs';
import {
  DOWNLOAD_SOURCES_TTL_MS,
  readDownloadLinks,
  readDownloadLinkSigner,
  refreshEvery,
} from '@gen3d/jobs/download-link-sources';
import { requiredEnv, type Environment } from '@gen3d/runtime';

export interface ApiLambdaClients {
  readonly store: ObjectStore;
  readonly secrets: SecretsManagerClient;
  readonly ses: SESClient;
  /** Reads the API's own URL (API_URL_PARAMETER), for the download links of the held results a confirmation sends. */
  readonly ssm?: SSMClient;
}

/**
 * The API's AWS entry point: one Lambda behind a function URL. Settings are read at cold start; the secrets (the
 * token key, TOKEN_SECRET_ARN; the download key, current and previous version) and its own URL are read on first use
 * and again every DOWNLOAD_SOURCES_TTL_MS, so a rotation is seen within minutes; then every request runs the core.
 */
export function createApiLambda(
  env: Environment,
  clients: ApiLambdaClients,
  logger: Logger,
): (event: FunctionUrlEvent) => Promise<FunctionUrlResult> {
  const config = parseApiConfig(env);
  const bucket = DATA_BUCKET.fromEnv(env);
  const source = SOURCE_EMAIL.fromEnv(env);
  const secretId = requiredEnv(env, 'TOKEN_SECRET_ARN', /^\S+$/, 'a Secrets Manager secret ARN or name');
  const mailer = new SesMailer(clients.ses, source, env['SES_CONFIGURATION_SET'] || undefined);
  const originSecretId = env['ORIGIN_VERIFY_SECRET_ARN'] || undefined;
  // The key of the emails' download links, shared with the notify function (GET /downloads/{token}).
  const downloadKeyId = env['DOWNLOAD_KEY_SECRET_ARN'] || undefined;
  const apiUrlParameter = env['API_URL_PARAMETER'] || undefined;
  const secretText = async (id: string) => {
    const secret = await clients.secrets.send(new GetSecretValueCommand({ SecretId: id }));
    if (secret.SecretString === undefined) throw new Error(`the secret ${id} has no string value`);
    return secret.SecretString;
  };
  const build = async () => {
    const tokenKey = await secretText(secretId);
    // Behind the API's CloudFront and WAF (setting apiFirewall): requests must come through CloudFront.
    const originSecret = originSecretId
      ? keyFromText(await secretText(originSecretId), originSecretId)
      : undefined;
    // A key under 32 bytes, empty included, stops the function here: it never checks links with a weak key. The
    // previous version is accepted too, so a rotation does not end the links already emailed.
    const downloads = downloadKeyId
      ? await readDownloadLinkSigner(clients.secrets, downloadKeyId, { previous: true })
      : undefined;
    // Its own URL, once its stack has published it (the results POST /confirm sends link through it; before, presigned).
    const downloadLinks =
      downloads && apiUrlParameter
        ? await readDownloadLinks(downloads, ssmOf(clients), apiUrlParameter)
        : undefined;
    return forFunctionUrl(
      createApiHandler({
        data: bindBucket(clients.store, bucket),
        signUpload: (key, options) => clients.store.presignPost(bucket, key, options),
        tokens: createTokenSigner(keyFromText(tokenKey, secretId)),
        ...(originSecret ? { originSecret: Buffer.from(originSecret).toString('utf8') } : {}),
        ...(downloads ? { downloads } : {}),
        ...(downloadLinks ? { downloadLinks } : {}),
        sendEmail: (email) => mailer.send(email),
        now: () => new Date(),
        log: logger,
        config,
      }),
    );
  };
  // A failed first read fails the request (the next one tries again); a failed re-read keeps the last handler.
  const handler = refreshEvery(build, DOWNLOAD_SOURCES_TTL_MS);
  return async (event) => (await handler())(event);
}

function ssmOf(clients: ApiLambdaClients): SSMClient {
  if (!clients.ssm) throw new Error('API_URL_PARAMETER is set but no SSM client was given');
  return clients.ssm;
}
