import { parseNotifyConfig } from '@gen3d/jobs';
import { createSesClient, SesMailer } from '@gen3d/jobs/ses';
import { createLogger } from '@gen3d/logging';
import { bindBucket, createS3Client, S3ObjectStore } from '@gen3d/object-store';
import { createNotifyHandler } from './handler';

// Cold start: configuration problems fail here, once, with the variable named (ConfigError), not per event.
const config = parseNotifyConfig(process.env);

/** Lambda's handler setting `lambda_function.lambda_handler` (the seed's) points here: see docs/decisions/0002. */
export const lambda_handler = createNotifyHandler(
  {
    config,
    data: bindBucket(new S3ObjectStore(createS3Client()), config.dataBucket),
    mailer: new SesMailer(
      createSesClient(),
      config.sourceEmail,
      process.env['SES_CONFIGURATION_SET'] || undefined,
    ),
    clock: () => new Date(),
  },
  createLogger({ service: 'notify-lambda' }),
);
