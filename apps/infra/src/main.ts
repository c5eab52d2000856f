import { buildApp } from './app';
import { GpuMemoryError } from './gpu';
import { SettingsError } from './settings';

try {
  buildApp().synth();
} catch (error) {
  // A refused configuration is a message for the person deploying, not a stack trace.
  if (!(error instanceof GpuMemoryError || error instanceof SettingsError)) throw error;
  console.error(`gen3d infra: ${error.message}`);
  process.exitCode = 1;
}
