import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { createDownloadLinks, createDownloadLinkSigner, parseApiUrl, type DownloadLinks } from '@gen3d/jobs';
import { ConfigError, requiredEnv, type Environment } from '@gen3d/runtime';

/** Where the notify function finds what its download links need: the shared key, and the API's address. */
export interface DownloadLinkSources {
  /** DOWNLOAD_KEY_SECRET_ARN: the HMAC key the API checks the links with (Secrets Manager, read-only here). */
  readonly secretId: string;
  /** API_URL_PARAMETER: the SSM parameter the API stack writes its URL to (the API deploys after this function). */
  readonly apiUrlParameter: string;
}

/** Both variables, or neither (the emails then carry presigned URLs); one alone is a configuration error. */
export function downloadLinkSourcesOf(env: Environment): DownloadLinkSources | undefined {
  const given = ['DOWNLOAD_KEY_SECRET_ARN', 'API_URL_PARAMETER'].filter((name) => env[name]);
  if (given.length === 0) return undefined;
  if (given.length === 1) {
    throw new ConfigError('DOWNLOAD_KEY_SECRET_ARN and API_URL_PARAMETER are set together or not at all');
  }
  return {
    secretId: requiredEnv(env, 'DOWNLOAD_KEY_SECRET_ARN', /^\S+$/, 'a Secrets Manager secret ARN or name'),
    apiUrlParameter: requiredEnv(env, 'API_URL_PARAMETER', /^\/?[\w./-]+$/, 'an SSM parameter name'),
  };
}

/**
 * Reads the key and the API's URL once (per container): a secret shorter than 32 bytes, empty included, is refused
 * (DownloadKeyError) rather than used, and a URL that is not https (or http on loopback) is a ConfigError.
 */
export async function loadDownloadLinks(
  sources: DownloadLinkSources,
  clients: { readonly secrets: SecretsManagerClient; readonly ssm: SSMClient },
): Promise<DownloadLinks> {
  const [secret, parameter] = await Promise.all([
    clients.secrets.send(new GetSecretValueCommand({ SecretId: sources.secretId })),
    clients.ssm.send(new GetParameterCommand({ Name: sources.apiUrlParameter })),
  ]);
  const signer = createDownloadLinkSigner(Buffer.from((secret.SecretString ?? '').trim(), 'utf8'));
  return createDownloadLinks(
    signer,
    parseApiUrl(parameter.Parameter?.Value, `the SSM parameter ${sources.apiUrlParameter}`),
  );
}
