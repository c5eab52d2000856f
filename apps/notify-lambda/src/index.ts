import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createSesClient } from '@gen3d/jobs/ses';
import { createLogger } from '@gen3d/logging';
import { createS3Client } from '@gen3d/object-store';
import { createNotifyLambda } from './lambda';

// Cold start: configuration problems fail here, once, with the variable named (ConfigError), not per event.
const logger = createLogger({ service: 'notify-lambda' });

/** Lambda's handler setting `lambda_function.lambda_handler` (the seed's) points here: see docs/decisions/0002. */
export const lambda_handler = createNotifyLambda(
  process.env,
  {
    s3: createS3Client(),
    ses: createSesClient(),
    secrets: new SecretsManagerClient({}),
    ssm: new SSMClient({}),
  },
  logger,
);
