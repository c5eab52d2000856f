import { App } from 'aws-cdk-lib';
import { buildGen3DApp } from './app';
import { assertBackendFits, GpuMemoryError, instanceTypesFor, SAM3D_MIN_GPU_MEMORY_GB } from './gpu';

describe('the GPU-memory guard', () => {
  it('refuses sam3d on the seed’s ml.g4dn.xlarge (16 GB T4) and says which instance types would do', () => {
    expect(() => assertBackendFits('sam3d', 'ml.g4dn.xlarge')).toThrow(GpuMemoryError);
    expect(() => assertBackendFits('sam3d', 'ml.g4dn.xlarge')).toThrow(
      /ml\.g4dn\.xlarge has 16 GB \(NVIDIA T4.*instance types that fit: .*ml\.g6e\.xlarge/,
    );
  });

  it('refuses sam3d on a 24 GB GPU and on an instance type it does not know', () => {
    expect(() => assertBackendFits('sam3d', 'ml.g5.xlarge')).toThrow(/has 24 GB/);
    expect(() => assertBackendFits('sam3d', 'ml.c5.xlarge')).toThrow(/not in the GPU table/);
  });

  it('accepts sam3d on ≥ 32 GB and inflate anywhere', () => {
    expect(() => assertBackendFits('sam3d', 'ml.g6e.xlarge')).not.toThrow();
    expect(() => assertBackendFits('inflate', 'ml.g4dn.xlarge')).not.toThrow();
    expect(() => assertBackendFits('inflate', 'ml.c5.xlarge')).not.toThrow();
    expect(instanceTypesFor(SAM3D_MIN_GPU_MEMORY_GB)).not.toContain('ml.g5.xlarge');
  });

  it('stops the CDK app itself, before anything is synthesized', () => {
    // backend=sam3d picks the sam3d profile (default ml.g6e.xlarge): the seed's instance type must be asked for.
    const app = new App({
      context: {
        'gen3d:backend': 'sam3d',
        'gen3d:instanceType': 'ml.g4dn.xlarge',
        'gen3d:imageTag': 'sam3d-0123456789ab',
      },
    });
    expect(() => buildGen3DApp(app, {})).toThrow(/sam3d backend needs a GPU with at least 32 GB/);
  });
});
