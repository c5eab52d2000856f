import { createLogger } from '@gen3d/logging';
import { createS3Client, S3ObjectStore } from '@gen3d/object-store';
import { parseExtractConfig } from './config';
import { createExtractHandler } from './handler';
import { createSageMakerRuntimeClient, sageMakerInvoker } from './sagemaker';

// Cold start: configuration problems fail here, once, with the variable named (ConfigError), not per event.
const config = parseExtractConfig(process.env);

/** Lambda's handler setting `lambda_function.lambda_handler` (the seed's) points here: see docs/decisions/0002. */
export const lambda_handler = createExtractHandler({
  config,
  store: new S3ObjectStore(createS3Client()),
  invokeAsync: sageMakerInvoker(createSageMakerRuntimeClient()),
  logger: createLogger({ service: 'extract-lambda' }),
  now: () => new Date(),
});
