import { imageRetentionRules, type ImageRetentionRule } from './image-retention';
import { PROFILES, PROFILE_NAMES, type ProfileName } from './profiles';
import { SEED } from './seed';
import { defined, synthesize } from './testing';

interface Pushed {
  readonly tag: string;
  readonly pushedAt: number;
}

/**
 * ECR's lifecycle evaluation as its documentation states it: rules in priority order; a count rule selects the
 * images matching it, youngest first, and marks those past its count; an image that a higher-priority rule selects
 * cannot be expired by a lower one, though the lower one still counts it; each image expires by one rule at most.
 */
function survivors(images: readonly Pushed[], rules: readonly ImageRetentionRule[]): Pushed[] {
  const ordered = [...rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const expired = new Set<Pushed>();
  const selectedAbove = new Set<Pushed>();
  for (const rule of ordered) {
    const selected = images
      .filter((i) => rule.tagPrefix === undefined || i.tag.startsWith(rule.tagPrefix))
      .sort((a, b) => b.pushedAt - a.pushedAt);
    for (const image of selected.slice(rule.maxImageCount)) {
      if (!selectedAbove.has(image)) expired.add(image);
    }
    for (const image of selected) selectedAbove.add(image);
  }
  return images.filter((i) => !expired.has(i));
}

/** One change to the images' sources: the images workflow pushes every profile's image under its tag. */
function pushChange(images: Pushed[], commit: string, kinds: readonly ProfileName[] = PROFILE_NAMES): void {
  for (const kind of kinds) push(images, `${PROFILES[kind].tagPrefix}${commit}`);
}

/** Pushed after every image already there (not at `images.length`: expired images leave the list shorter). */
function push(images: Pushed[], tag: string): void {
  images.push({ tag, pushedAt: Math.max(-1, ...images.map((i) => i.pushedAt)) + 1 });
}

type Kind = ProfileName | 'none';

function kindOf(tag: string): Kind {
  return PROFILE_NAMES.find((n) => tag.startsWith(PROFILES[n].tagPrefix)) ?? 'none';
}

function keptPerKind(images: readonly Pushed[]): Record<Kind, string[]> {
  const kept: Record<Kind, string[]> = { seed: [], cpu: [], sam3d: [], none: [] };
  for (const image of images) kept[kindOf(image.tag)].push(image.tag);
  return kept;
}

describe('the inference repository keeps the last 5 images of each profile', () => {
  const rules = imageRetentionRules();

  it('has a rule of its own for every profile’s prefix, and one last rule over every image', () => {
    expect(rules.map((r) => [r.rulePriority, r.tagPrefix, r.maxImageCount])).toEqual([
      [1, 'gpu-', 5],
      [2, 'cpu-', 5],
      [3, 'sam3d-', 5],
      [4, undefined, 15],
    ]);
  });

  it('after ten changes, each profile still has the images of the last five', () => {
    let images: Pushed[] = [];
    for (let change = 0; change < 10; change++) {
      pushChange(images, `c${String(change).padStart(11, '0')}`);
      images = survivors(images, rules);
    }
    const kept = keptPerKind(images);
    for (const kind of PROFILE_NAMES) {
      expect(kept[kind].map((t) => t.slice(-2))).toEqual(['05', '06', '07', '08', '09']);
    }
    expect(kept.none).toEqual([]);
  });

  it.each(['cpu', 'seed', 'sam3d'] as const)(
    'any number of hand pushes of the %s image cost the other profiles none of their last 5',
    (pushed) => {
      let images: Pushed[] = [];
      for (let change = 0; change < 5; change++) pushChange(images, `a${change}`);
      for (let hand = 0; hand < 12; hand++) {
        pushChange(images, `b${hand}`, [pushed]);
        images = survivors(images, rules);
      }
      const kept = keptPerKind(images);
      const prefix = (kind: ProfileName) => PROFILES[kind].tagPrefix;
      for (const kind of PROFILE_NAMES.filter((k) => k !== pushed)) {
        expect(kept[kind]).toEqual(['a0', 'a1', 'a2', 'a3', 'a4'].map((c) => `${prefix(kind)}${c}`));
      }
      expect(kept[pushed]).toEqual(['b7', 'b8', 'b9', 'b10', 'b11'].map((c) => `${prefix(pushed)}${c}`));
    },
  );

  it('keeps an image of no profile (an unprefixed tag from before 0037) until 15 younger images follow it', () => {
    let images: Pushed[] = [];
    for (let old = 0; old < 5; old++) push(images, `0000000000${old}0`);
    const left: number[] = [];
    for (let change = 0; change < 7; change++) {
      pushChange(images, `c${change}`);
      images = survivors(images, rules);
      left.push(keptPerKind(images).none.length);
    }
    // The last rule keeps the youngest 15 in all: an old image goes once 15 younger ones (old or new) are pushed.
    expect(left).toEqual([5, 5, 5, 3, 0, 0, 0]);
    expect(keptPerKind(images).seed).toHaveLength(5);
  });

  it('a single count of 5 over the repository (the seed read literally) would not', () => {
    let images: Pushed[] = [];
    for (let change = 0; change < 4; change++) pushChange(images, `c${change}`);
    images = survivors(images, [{ rulePriority: 1, description: 'seed', maxImageCount: SEED.keepImages }]);
    expect(keptPerKind(images).seed).toHaveLength(1);
  });

  it('is the repository lifecycle policy the storage stack deploys', () => {
    const resources = Object.values(synthesize().json('Gen3DStorageStack').Resources);
    const repository = defined(
      resources.find((r) => r.Type === 'AWS::ECR::Repository'),
      'the image repository',
    );
    const { LifecyclePolicyText } = repository.Properties?.['LifecyclePolicy'] as {
      LifecyclePolicyText: string;
    };
    const policy = JSON.parse(LifecyclePolicyText) as {
      rules: { rulePriority: number; selection: Record<string, unknown> }[];
    };
    expect(policy.rules.map((r) => [r.rulePriority, r.selection])).toEqual(
      rules.map((r) => [
        r.rulePriority,
        r.tagPrefix === undefined
          ? { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: r.maxImageCount }
          : {
              tagStatus: 'tagged',
              tagPrefixList: [r.tagPrefix],
              countType: 'imageCountMoreThan',
              countNumber: r.maxImageCount,
            },
      ]),
    );
  });
});
