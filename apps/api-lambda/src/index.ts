import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createSesClient } from '@gen3d/jobs/ses';
import { createLogger } from '@gen3d/logging';
import { createS3Client, S3ObjectStore } from '@gen3d/object-store';
import { createApiLambda } from './handler';

const endpoint = process.env['AWS_ENDPOINT_URL'];

/** The function URL's handler (`lambda_function.lambda_handler`, as the other functions: decision 0002). */
export const lambda_handler = createApiLambda(
  process.env,
  {
    store: new S3ObjectStore(createS3Client()),
    secrets: new SecretsManagerClient(endpoint ? { endpoint } : {}),
    ses: createSesClient(endpoint),
    ssm: new SSMClient(endpoint ? { endpoint } : {}),
  },
  createLogger({ service: 'api' }),
);
