/**
 * Which inference images the repository keeps. The seed keeps "the last 5 images" (§5.1) of its one image; the
 * images workflow pushes all three profiles' images for every change to what they are built from (decision 0036),
 * so one count of 5 over the repository would keep fewer than two changes of each. Every profile's tags carry its
 * prefix (`gpu-`, `cpu-`, `sam3d-`), and each prefix has its own rule keeping its last 5; a last rule over every image
 * keeps 5 per profile in all. ECR's last rule counts the images the prefixed rules select but cannot expire them, so
 * it only ever expires images no profile owns (untagged ones, the unprefixed commit tags pushed before this, a tag
 * pushed by hand under another name): such an image lasts until 5 × 3 younger images are pushed, five changes, as
 * long as a profile's own image does. Decision 0037.
 */
import { PROFILES, PROFILE_NAMES } from './profiles';
import { SEED } from './seed';

/** One rule of the repository's lifecycle policy, as aws-ecr's LifecycleRule takes it. */
export interface ImageRetentionRule {
  readonly rulePriority: number;
  readonly description: string;
  /** Images with a tag that starts with this; absent: every image (ECR's `tagStatus: any`, which must come last). */
  readonly tagPrefix?: string;
  readonly maxImageCount: number;
}

/** The lifecycle rules: each profile's last `keep`, then `keep` per profile over the whole repository. */
export function imageRetentionRules(keep: number = SEED.keepImages): ImageRetentionRule[] {
  const profiles = PROFILE_NAMES.map((name) => PROFILES[name]);
  return [
    ...profiles.map((p, index) => ({
      rulePriority: index + 1,
      description: `Keep the last ${keep} ${p.name} images (${p.tagPrefix}*)`,
      tagPrefix: p.tagPrefix,
      maxImageCount: keep,
    })),
    {
      rulePriority: profiles.length + 1,
      description: `Images of no profile: kept while among the last ${keep * profiles.length} (${keep} per profile)`,
      maxImageCount: keep * profiles.length,
    },
  ];
}
