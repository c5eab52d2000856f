import { createLogger } from '@gen3d/logging';
import { createS3Client, S3ObjectStore } from '@gen3d/object-store';
import { parseNotifyConfig } from './config';
import { createNotifyHandler } from './handler';
import { createSesClient, sesSender } from './ses';

// Cold start: configuration problems fail here, once, with the variable named (ConfigError), not per event.
const config = parseNotifyConfig(process.env);

/** Lambda's handler setting `lambda_function.lambda_handler` (the seed's) points here: see docs/decisions/0002. */
export const lambda_handler = createNotifyHandler({
  config,
  store: new S3ObjectStore(createS3Client()),
  sendEmail: sesSender(createSesClient(), config.sourceEmail),
  logger: createLogger({ service: 'notify-lambda' }),
  now: () => new Date(),
});
