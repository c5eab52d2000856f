import { parseExtractConfig } from '@gen3d/jobs';
import { createLogger } from '@gen3d/logging';
import { bindBucket, createS3Client, S3ObjectStore } from '@gen3d/object-store';
import { createExtractHandler } from './handler';
import { createSageMakerRuntimeClient, SageMakerInvoker } from './sagemaker';

// Cold start: configuration problems fail here, once, with the variable named (ConfigError), not per event.
const config = parseExtractConfig(process.env);

/** Lambda's handler setting `lambda_function.lambda_handler` (the seed's) points here: see docs/decisions/0002. */
export const lambda_handler = createExtractHandler(
  {
    config,
    data: bindBucket(new S3ObjectStore(createS3Client()), config.dataBucket),
    invoker: new SageMakerInvoker(createSageMakerRuntimeClient(), config.endpointName),
    clock: () => new Date(),
  },
  createLogger({ service: 'extract-lambda' }),
);
