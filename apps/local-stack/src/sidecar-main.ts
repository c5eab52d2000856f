import { createLogger } from '@gen3d/logging';
import { bindBucket, FolderObjectStore } from '@gen3d/object-store';
import { ConfigError } from '@gen3d/runtime';
import { matchNotificationRule } from '@gen3d/s3-keys';
import { parseSidecarConfig, startSidecar } from '@gen3d/sidecar';

// The local stack's sidecar (dist/apps/local-stack/sidecar-main.js, started by SidecarProcess): the container's
// sidecar library on the stack's data folder instead of S3, so the production image carries no emulator.
async function main(): Promise<void> {
  const logger = createLogger({ service: 'inference-server' });
  const dataDir = process.env['GEN3D_DATA_DIR'];
  let config;
  try {
    if (!dataDir) throw new ConfigError("GEN3D_DATA_DIR is not set (the local stack's data folder)");
    config = parseSidecarConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.fatal({ reason: error.message }, 'invalid configuration');
    process.exit(2);
  }
  const store = new FolderObjectStore({
    root: dataDir,
    // Events only for what the data bucket's notification rules name, as S3 sends them.
    emitEvents: (_bucket, key) => matchNotificationRule(key) !== undefined,
  });
  const sidecar = await startSidecar({ config, data: bindBucket(store, config.dataBucket), logger });
  const stop = (why: string) => void sidecar.stop(why).then(() => process.exit(0));
  process.once('SIGTERM', () => stop('SIGTERM'));
  // Started with an IPC channel: when the stack dies (even by SIGKILL), the channel closes and the sidecar stops as
  // on SIGTERM.
  if (process.channel) {
    process.channel.unref();
    process.once('disconnect', () => stop('the local stack is gone'));
  }
}

void main();
