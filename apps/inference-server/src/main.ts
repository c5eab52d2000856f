import { createLogger } from '@gen3d/logging';
import { parseSidecarConfig } from './config';

// The SageMaker container entrypoint (`serve`). The HTTP server and worker supervision arrive with issue 4;
// for now it validates its configuration and says what it would serve.
const logger = createLogger({ service: 'inference-server' });
try {
  const config = parseSidecarConfig(process.env);
  logger.info({ config }, 'configuration is valid');
} catch (error) {
  logger.fatal({ err: error }, 'cannot start');
  process.exitCode = 1;
}
