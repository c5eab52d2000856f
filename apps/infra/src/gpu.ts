import type { DeploymentProfile } from './profiles';

/**
 * GPU memory per SageMaker instance type (one GPU's memory: the worker runs one model per GPU), from the instance
 * type pages of Amazon EC2 and SageMaker pricing. CPU-only types are absent: they have no GPU.
 */
export const GPU_MEMORY_GB: Readonly<Record<string, { gpu: string; memoryGb: number }>> = Object.freeze({
  'ml.g4dn.xlarge': { gpu: 'NVIDIA T4', memoryGb: 16 },
  'ml.g4dn.2xlarge': { gpu: 'NVIDIA T4', memoryGb: 16 },
  'ml.g4dn.4xlarge': { gpu: 'NVIDIA T4', memoryGb: 16 },
  'ml.g5.xlarge': { gpu: 'NVIDIA A10G', memoryGb: 24 },
  'ml.g5.2xlarge': { gpu: 'NVIDIA A10G', memoryGb: 24 },
  'ml.g5.4xlarge': { gpu: 'NVIDIA A10G', memoryGb: 24 },
  'ml.g6.xlarge': { gpu: 'NVIDIA L4', memoryGb: 24 },
  'ml.g6.2xlarge': { gpu: 'NVIDIA L4', memoryGb: 24 },
  'ml.g6e.xlarge': { gpu: 'NVIDIA L40S', memoryGb: 48 },
  'ml.g6e.2xlarge': { gpu: 'NVIDIA L40S', memoryGb: 48 },
  'ml.g6e.4xlarge': { gpu: 'NVIDIA L40S', memoryGb: 48 },
  'ml.p3.2xlarge': { gpu: 'NVIDIA V100', memoryGb: 16 },
  'ml.p4d.24xlarge': { gpu: 'NVIDIA A100', memoryGb: 40 },
  'ml.p5.48xlarge': { gpu: 'NVIDIA H100', memoryGb: 80 },
});

/** SAM 3D Objects needs at least this much GPU memory (decision 0004). */
export const SAM3D_MIN_GPU_MEMORY_GB = 32;

export class GpuMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuMemoryError';
  }
}

/** Instance types of the table whose GPU can hold SAM 3D, smallest memory first. */
export function instanceTypesFor(minMemoryGb: number): string[] {
  return Object.entries(GPU_MEMORY_GB)
    .filter(([, spec]) => spec.memoryGb >= minMemoryGb)
    .sort(([a, x], [b, y]) => x.memoryGb - y.memoryGb || a.localeCompare(b))
    .map(([type]) => type);
}

/**
 * Refuses, at synth time, an endpoint that cannot run its backend: `sam3d` on an instance with less than 32 GB of
 * GPU memory (or an instance type the table does not know). `inflate` runs on any instance (it needs no GPU).
 *
 * @example assertBackendFits('sam3d', 'ml.g4dn.xlarge') // throws: 16 GB (NVIDIA T4) < 32 GB; use ml.g6e.xlarge, …
 */
export function assertBackendFits(backend: 'inflate' | 'sam3d', instanceType: string): void {
  if (backend !== 'sam3d') return;
  const spec = GPU_MEMORY_GB[instanceType];
  const fits = instanceTypesFor(SAM3D_MIN_GPU_MEMORY_GB).join(', ');
  if (!spec) {
    throw new GpuMemoryError(
      `the sam3d backend needs a GPU with at least ${SAM3D_MIN_GPU_MEMORY_GB} GB of memory, and ${instanceType} ` +
        `is not in the GPU table (apps/infra/src/gpu.ts); instance types that fit: ${fits}`,
    );
  }
  if (spec.memoryGb < SAM3D_MIN_GPU_MEMORY_GB) {
    throw new GpuMemoryError(
      `the sam3d backend needs a GPU with at least ${SAM3D_MIN_GPU_MEMORY_GB} GB of memory, and ${instanceType} ` +
        `has ${spec.memoryGb} GB (${spec.gpu}; see docs/decisions/0004); instance types that fit: ${fits}. ` +
        `Set gen3d:instanceType (GEN3D_INSTANCE_TYPE) to one of them, or gen3d:profile to seed or cpu (inflate).`,
    );
  }
}

/** A SageMaker CPU instance family (compute, general purpose, memory optimised): no GPU, no accelerator. */
const CPU_FAMILY = /^ml\.(c|m|r)\d+[a-z]*\.[a-z0-9]+$/;

/**
 * Refuses, at synth time, an instance type that does not fit its deployment profile: a GPU profile (seed, sam3d)
 * needs a GPU of the table with the memory its image needs (`sam3d`: ≥ 32 GB, as assertBackendFits says); the cpu
 * profile's image has no CUDA, so a GPU instance would be paid for and never used, and an instance type it does not
 * know as a CPU family is refused too.
 *
 * @example assertProfileFits(PROFILES.cpu, 'ml.g4dn.xlarge') // throws: the cpu image cannot use the T4
 */
export function assertProfileFits(profile: DeploymentProfile, instanceType: string): void {
  assertBackendFits(profile.backend, instanceType);
  const spec = GPU_MEMORY_GB[instanceType];
  const setting = 'gen3d:instanceType (GEN3D_INSTANCE_TYPE)';
  if (!profile.hardware.gpu) {
    if (spec || !CPU_FAMILY.test(instanceType)) {
      throw new GpuMemoryError(
        `the cpu profile's image (${profile.dockerfile}) has no CUDA: ${instanceType} ` +
          `${spec ? `has a GPU (${spec.gpu}) it would pay for and never use` : 'is not a CPU instance type (ml.c*, ml.m*, ml.r*)'}; ` +
          `set ${setting} to one (default ${profile.defaultInstanceType}), or gen3d:profile=seed for a GPU instance`,
      );
    }
    return;
  }
  const { minGpuMemoryGb } = profile.hardware;
  if (!spec || spec.memoryGb < minGpuMemoryGb) {
    throw new GpuMemoryError(
      `the ${profile.name} profile's image (${profile.dockerfile}) runs on a GPU with at least ${minGpuMemoryGb} GB, ` +
        `and ${instanceType} ${spec ? `has ${spec.memoryGb} GB (${spec.gpu})` : 'has no GPU the table (apps/infra/src/gpu.ts) knows'}; ` +
        `set ${setting} to one of ${instanceTypesFor(minGpuMemoryGb).join(', ')}, or gen3d:profile=cpu for a CPU instance`,
    );
  }
}
