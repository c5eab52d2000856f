import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SESClient } from '@aws-sdk/client-ses';
import {
  createApiHandler,
  createTokenSigner,
  forFunctionUrl,
  keyFromText,
  parseApiConfig,
  type FunctionUrlEvent,
  type FunctionUrlResult,
} from '@gen3d/api';
import type { Logger } from '@gen3d/logging';
import { bindBucket, type ObjectStore } from '@gen3d/object-store';
import { BUCKET_NAME, EMAIL_ADDRESS, requiredEnv, type Environment } from '@gen3d/runtime';
import { sesSender } from './ses';

export interface ApiLambdaClients {
  readonly store: ObjectStore;
  readonly secrets: SecretsManagerClient;
  readonly ses: SESClient;
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
  const bucket = requiredEnv(env, 'DATA_BUCKET', BUCKET_NAME, 'an S3 bucket name');
  const source = requiredEnv(env, 'SOURCE_EMAIL', EMAIL_ADDRESS, 'an email address');
  const secretId = requiredEnv(env, 'TOKEN_SECRET_ARN', /^\S+$/, 'a Secrets Manager secret ARN or name');
  let ready: Promise<(event: FunctionUrlEvent) => Promise<FunctionUrlResult>> | undefined;
  const build = async () => {
    const secret = await clients.secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (secret.SecretString === undefined) throw new Error(`the secret ${secretId} has no string value`);
    return forFunctionUrl(
      createApiHandler({
        data: bindBucket(clients.store, bucket),
        signUpload: (key, options) => clients.store.presignPost(bucket, key, options),
        tokens: createTokenSigner(keyFromText(secret.SecretString, secretId)),
        sendEmail: sesSender(clients.ses, source),
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
