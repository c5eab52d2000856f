/**
 * Deployment profiles: an image, the backends it serves and an instance type that fit together (docs/decisions/0030).
 * `gen3d:profile` (GEN3D_PROFILE) picks one; `gen3d:instanceType` may still name another instance type, which the
 * guard in gpu.ts checks against the profile.
 */
export const PROFILE_NAMES = ['seed', 'cpu', 'sam3d'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface DeploymentProfile {
  readonly name: ProfileName;
  /** One line for docs and error messages. */
  readonly summary: string;
  /** The image's build file in apps/inference-server, pushed to the repository gen3d-sam3d-inference. */
  readonly dockerfile: string;
  /**
   * What the image's tags start with: `<prefix><commit>` (ecr-push.sh's second argument). Every profile has one, so
   * each kind of image has its own lifecycle rule in the repository (image-retention.ts, decision 0037).
   */
  readonly tagPrefix: string;
  /** The reconstruction backend jobs get unless they ask for another (the first of GEN3D_BACKENDS). */
  readonly backend: 'inflate' | 'sam3d';
  /** GEN3D_BACKENDS of the model's container. */
  readonly backends: string;
  /** The instance type unless gen3d:instanceType names another. */
  readonly defaultInstanceType: string;
  /**
   * How long the inference deploy waits for the images workflow to push this image (image-wait-cli.ts): its build on
   * a GitHub-hosted runner, from the same push, with room to spare. The deploy workflow's timeout covers the longest.
   */
  readonly imageWaitMinutes: number;
  /** What the image needs of the instance: a GPU with at least this much memory, or no GPU at all. */
  readonly hardware: { readonly gpu: true; readonly minGpuMemoryGb: number } | { readonly gpu: false };
}

/**
 * The three profiles. `seed` keeps the seed's instance type and makes it earn its GPU: the GPU image runs the learned
 * segmenter on ONNX Runtime's CUDA provider (decision 0026) and the mesh on the instance's CPUs. `cpu` is the slim
 * image (Dockerfile.cpu: the embedded worker host, no CUDA, no torch) on a CPU instance. `sam3d` is the SAM 3D image
 * on a GPU that can hold it (decision 0004).
 */
export const PROFILES: Readonly<Record<ProfileName, DeploymentProfile>> = Object.freeze({
  seed: {
    name: 'seed',
    summary:
      'the GPU image (TorchServe) on the seed’s ml.g4dn.xlarge: segmenter on the GPU, mesh on the CPUs',
    dockerfile: 'Dockerfile',
    tagPrefix: 'gpu-',
    backend: 'inflate',
    backends: 'inflate',
    defaultInstanceType: 'ml.g4dn.xlarge',
    // TorchServe, torch and ONNX Runtime's CUDA wheels: tens of minutes on a hosted runner.
    imageWaitMinutes: 60,
    // IS-Net medium in float32 with ONNX Runtime's CUDA arena: well under the smallest GPU of the table.
    hardware: { gpu: true, minGpuMemoryGb: 4 },
  },
  cpu: {
    name: 'cpu',
    summary: 'the slim CPU image (embedded worker host, no CUDA, no torch) on a CPU instance',
    dockerfile: 'Dockerfile.cpu',
    tagPrefix: 'cpu-',
    backend: 'inflate',
    backends: 'inflate',
    // 4 vCPUs for the 4 jobs SageMaker sends at once; 8 GiB against the 1.41 GB measured peak of 4 jobs with the
    // learned segmenter (docs/benchmarks.md).
    defaultInstanceType: 'ml.c6i.xlarge',
    // Debian's Python and the worker's requirements, no CUDA: minutes.
    imageWaitMinutes: 45,
    hardware: { gpu: false },
  },
  sam3d: {
    name: 'sam3d',
    summary: 'the SAM 3D image on a GPU with ≥ 32 GB (SAM 3D Objects, inflate beside it)',
    dockerfile: 'Dockerfile.sam3d',
    tagPrefix: 'sam3d-',
    backend: 'sam3d',
    backends: 'sam3d,inflate',
    defaultInstanceType: 'ml.g6e.xlarge',
    // pytorch3d and gsplat compiled for four GPU architectures on the runner's 4 cores: 1-2 hours (docs/deploy.md).
    imageWaitMinutes: 240,
    hardware: { gpu: true, minGpuMemoryGb: 32 },
  },
});

/**
 * The repository's one moving tag. It names the newest image of LATEST_PROFILE (ecr-push.sh moves it with each push of
 * that profile's image); a hand deploy of that profile without GEN3D_IMAGE_TAG runs it.
 */
export const LATEST_TAG = 'latest';
export const LATEST_PROFILE: ProfileName = 'seed';

/**
 * The image tag a profile runs: `<prefix><imageTag>`, or the tag as given when it already carries the prefix (the
 * form docs/deploy.md asked for before profiles: GEN3D_IMAGE_TAG=sam3d-<commit>). Undefined when the tag cannot be
 * this profile's image: another profile's prefix, or `latest` for any profile but LATEST_PROFILE (the others exist
 * only as `<prefix><commit>`).
 *
 * @example imageTagFor(PROFILES.cpu, '0123456789ab') // 'cpu-0123456789ab'
 */
export function imageTagFor(profile: DeploymentProfile, imageTag: string): string | undefined {
  if (imageTag === LATEST_TAG) return profile.name === LATEST_PROFILE ? imageTag : undefined;
  const owner = PROFILE_NAMES.find((name) => imageTag.startsWith(PROFILES[name].tagPrefix));
  if (owner === undefined) return `${profile.tagPrefix}${imageTag}`;
  return owner === profile.name ? imageTag : undefined;
}
