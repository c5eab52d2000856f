import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SESClient } from '@aws-sdk/client-ses';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
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
import {
  createDownloadLinks,
  createDownloadLinkSigner,
  DATA_BUCKET,
  parseApiUrl,
  SOURCE_EMAIL,
  type DownloadLinkSigner,
} from '@gen3d/jobs';
import { requiredEnv, type Environment } from '@gen3d/runtime';

export interface ApiLambdaClients {
  readonly store: ObjectStore;
  readonly secrets: SecretsManagerClient;
  readonly ses: SESClient;
  /** Reads the API's own URL (API_URL_PARAMETER), for the download links of the held results a confirmation sends. */
  readonly ssm?: SSMClient;
}

/**
 * The API's AWS entry point: one Lambda behind a function URL. Settings are read at cold start; the token key is
 * fetched from Secrets Manager once per container (TOKEN_SECRET_ARN), then every request runs the shared core.
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
  let ready: Promise<(event: FunctionUrlEvent) => Promise<FunctionUrlResult>> | undefined;
  const build = async () => {
    const tokenKey = await secretText(secretId);
    // Behind the API's CloudFront and WAF (setting apiFirewall): requests must come through CloudFront.
    const originSecret = originSecretId
      ? keyFromText(await secretText(originSecretId), originSecretId)
      : undefined;
    // A key under 32 bytes, empty included, stops the function here: it never checks links with a weak key.
    const downloads = downloadKeyId
      ? createDownloadLinkSigner(keyFromText(await secretText(downloadKeyId), downloadKeyId))
      : undefined;
    const downloadLinks =
      downloads && apiUrlParameter
        ? await linksToThisApi(downloads, apiUrlParameter, clients.ssm)
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
  return async (event) => {
    // A failed secret read is not cached: the next request tries again.
    ready ??= build().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return (await ready)(event);
  };
}

/** Download links to this API: its URL from the SSM parameter its stack writes (it cannot be a variable: a cycle). */
async function linksToThisApi(signer: DownloadLinkSigner, parameter: string, ssm: SSMClient | undefined) {
  if (!ssm) throw new Error('API_URL_PARAMETER is set but no SSM client was given');
  const read = await ssm.send(new GetParameterCommand({ Name: parameter }));
  return createDownloadLinks(signer, parseApiUrl(read.Parameter?.Value, `the SSM parameter ${parameter}`));
}
