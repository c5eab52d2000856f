import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import {
  createDownloadLinks,
  createDownloadLinkSigner,
  parseApiUrl,
  type DownloadLinks,
  type DownloadLinkSigner,
} from './download-links';

/**
 * The AWS side of the emails' download links (decision 0038), shared by the notify and API functions: the key from
 * Secrets Manager, the API's address from the SSM parameter the API stack writes once its `/downloads` route is
 * deployed, and a cache that reads both again after a few minutes (a rotated key, a moved API).
 */

/** How long a warm function keeps what it read: a rotated key or a new API address is seen within this time. */
export const DOWNLOAD_SOURCES_TTL_MS = 5 * 60_000;

/**
 * The API's address for download links, or undefined while the parameter does not exist (ParameterNotFound: the API
 * stack has not yet deployed a `/downloads` route; the caller then mails presigned links). Any other failure throws.
 *
 * @example await readDownloadApiUrl(new SSMClient({}), '/gen3d/api/download-links-url')
 */
export async function readDownloadApiUrl(ssm: SSMClient, parameter: string): Promise<string | undefined> {
  try {
    const read = await ssm.send(new GetParameterCommand({ Name: parameter }));
    return parseApiUrl(read.Parameter?.Value, `the SSM parameter ${parameter}`);
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') return undefined;
    throw error;
  }
}

/**
 * The signer of the key's current version; with `previous`, it also accepts links signed with the version before
 * (AWSPREVIOUS, when there is one), so a rotation does not end the links already emailed. A key under 32 bytes,
 * empty included, is refused (DownloadKeyError).
 */
export async function readDownloadLinkSigner(
  secrets: SecretsManagerClient,
  secretId: string,
  options: { previous: boolean },
): Promise<DownloadLinkSigner> {
  const [current, previous] = await Promise.all([
    secretKey(secrets, secretId, 'AWSCURRENT'),
    options.previous ? secretKey(secrets, secretId, 'AWSPREVIOUS') : undefined,
  ]);
  if (!current) throw new Error(`the secret ${secretId} has no current string value`);
  return createDownloadLinkSigner(current, previous ? [previous] : []);
}

async function secretKey(
  secrets: SecretsManagerClient,
  secretId: string,
  stage: 'AWSCURRENT' | 'AWSPREVIOUS',
): Promise<Buffer | undefined> {
  try {
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
    return secret.SecretString === undefined ? undefined : Buffer.from(secret.SecretString.trim(), 'utf8');
  } catch (error) {
    // A secret never rotated has no AWSPREVIOUS version: Secrets Manager answers ResourceNotFoundException.
    if (stage === 'AWSPREVIOUS' && (error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/**
 * Links to the API at the parameter's address, or undefined while it does not publish one (see
 * {@link readDownloadApiUrl}).
 */
export async function readDownloadLinks(
  signer: DownloadLinkSigner,
  ssm: SSMClient,
  parameter: string,
): Promise<DownloadLinks | undefined> {
  const apiUrl = await readDownloadApiUrl(ssm, parameter);
  return apiUrl === undefined ? undefined : createDownloadLinks(signer, apiUrl);
}

/**
 * `build`'s result, made again once older than `ttlMs`. A failed build is not kept: the call fails if there is no
 * earlier result, and otherwise gets the earlier one (a throttled re-read does not take a working function down);
 * the next call tries again.
 *
 * @example const handler = refreshEvery(build, DOWNLOAD_SOURCES_TTL_MS); await (await handler())(event)
 */
export function refreshEvery<T>(
  build: () => Promise<T>,
  ttlMs: number,
  now: () => number = Date.now,
): () => Promise<T> {
  let fresh: { readonly value: T; readonly at: number } | undefined;
  let pending: Promise<T> | undefined;
  return async () => {
    if (fresh && now() - fresh.at < ttlMs) return fresh.value;
    const started = now();
    pending ??= build()
      .then((value) => {
        fresh = { value, at: started };
        return value;
      })
      .finally(() => (pending = undefined));
    try {
      return await pending;
    } catch (error) {
      if (fresh) return fresh.value;
      throw error;
    }
  };
}
