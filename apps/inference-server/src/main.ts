import { createLogger } from '@gen3d/logging';
import { bindBucket, createS3Client, S3ObjectStore } from '@gen3d/object-store';
import { ConfigError } from '@gen3d/runtime';
import { parseSidecarConfig, startSidecar, type SidecarConfig } from '@gen3d/sidecar';

// The SageMaker container entrypoint: `docker run IMAGE serve` (SageMaker passes "serve"). The container's objects
// are in S3; the local stack composes the same sidecar library with its data folder (apps/local-stack).
async function main(): Promise<void> {
  const logger = createLogger({ service: 'inference-server' });
  const mode = process.argv[2] ?? 'serve';
  if (mode !== 'serve') {
    logger.fatal({ mode }, 'unknown mode: the container only supports "serve"');
    process.exit(2);
  }
  let config: SidecarConfig;
  try {
    config = parseSidecarConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.fatal({ reason: error.message }, 'invalid configuration');
    process.exit(2);
  }
  const s3 = () => new S3ObjectStore(createS3Client({ region: config.region, endpoint: config.s3Endpoint }));
  const sidecar = await startSidecar({
    config,
    data: bindBucket(s3(), config.dataBucket),
    modelStore: s3,
    logger,
  });
  process.once('SIGTERM', () => void sidecar.stop('SIGTERM').then(() => process.exit(0)));
}

void main();
