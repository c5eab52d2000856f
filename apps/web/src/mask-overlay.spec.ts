import { maskAlt, maskOverlayPixels, objectShare } from './mask-overlay';

/** RGBA pixels of a greyscale mask, as a canvas reads them. */
const greyPixels = (...values: number[]) => new Uint8ClampedArray(values.flatMap((v) => [v, v, v, 255]));

describe('the mask over the picture', () => {
  it('tints what was taken as the object, as opaque as the mask is white, and dims the rest', () => {
    const out = maskOverlayPixels(greyPixels(255, 0, 153, 51), [10, 20, 30], 0.5, 0.4);
    // 255: the tint at half; 0: black at 0.4; 153 (0.6, object): the tint at 0.3; 51 (0.2, not): black at 0.32.
    expect([...out]).toEqual([10, 20, 30, 128, 0, 0, 0, 102, 10, 20, 30, 77, 0, 0, 0, 82]);
  });

  it('draws nothing over transparent pixels of the mask', () => {
    const mask = new Uint8ClampedArray([255, 255, 255, 0, 0, 0, 0, 0]);
    expect([...maskOverlayPixels(mask, [1, 2, 3])]).toEqual([1, 2, 3, 0, 0, 0, 0, 0]);
  });

  it('counts the share taken as the object and says it', () => {
    expect(objectShare(greyPixels(255, 200, 0, 127))).toBe(0.5);
    expect(objectShare(new Uint8ClampedArray())).toBe(0);
    expect(maskAlt(0.256)).toBe(
      'What the model took as the object, tinted over the picture, the rest dimmed (26 % of it).',
    );
  });
});
