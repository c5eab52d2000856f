/**
 * The mask the model used, over the picture: what it took as the object, tinted and semi-transparent, so a user
 * sees why a result looks the way it does. The mask is a greyscale PNG at the picture's size (255 = object).
 */

/**
 * The tint of the object (magenta: rare in photos, unlike the page's blue or a warm object's orange), how opaque it
 * is where the mask is full, and how much the rest of the picture is dimmed, so that the outline reads on any picture.
 */
export const MASK_TINT: readonly [number, number, number] = [0xd4, 0x00, 0xc8];
export const MASK_OPACITY = 0.5;
export const BACKGROUND_DIM = 0.35;

/**
 * The overlay's pixels (RGBA) from the mask's (RGBA as a canvas reads them, grey in each channel): where the mask
 * is at least half white, the tint, as opaque as the mask is white times `opacity`; elsewhere black, as opaque as
 * the mask is dark times `dim`. A transparent mask pixel draws nothing.
 */
export function maskOverlayPixels(
  mask: Uint8ClampedArray,
  tint: readonly [number, number, number] = MASK_TINT,
  opacity = MASK_OPACITY,
  dim = BACKGROUND_DIM,
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(mask.length);
  for (let i = 0; i + 3 < mask.length; i += 4) {
    const m = (mask[i] as number) / 255;
    const shown = (mask[i + 3] as number) / 255;
    const object = m >= 0.5;
    out[i] = object ? tint[0] : 0;
    out[i + 1] = object ? tint[1] : 0;
    out[i + 2] = object ? tint[2] : 0;
    out[i + 3] = Math.round(255 * shown * (object ? m * opacity : (1 - m) * dim));
  }
  return out;
}

/** The share of the mask taken as the object (a pixel over half-white), for the overlay's description. */
export function objectShare(mask: Uint8ClampedArray): number {
  let on = 0;
  for (let i = 0; i < mask.length; i += 4) if ((mask[i] as number) > 127) on += 1;
  return mask.length === 0 ? 0 : on / (mask.length / 4);
}

/** The overlay's description, for screen readers. */
export function maskAlt(share: number): string {
  return `What the model took as the object, tinted over the picture, the rest dimmed (${Math.round(share * 100)} % of it).`;
}

/** Decodes the mask PNG and draws its overlay on the canvas (sized to the mask); its pixels' share of object. */
export async function drawMaskOverlay(
  canvas: HTMLCanvasElement,
  png: Blob,
): Promise<{
  readonly width: number;
  readonly height: number;
  readonly share: number;
}> {
  const bitmap = await createImageBitmap(png);
  const { width, height } = bitmap;
  const scratch = document.createElement('canvas');
  scratch.width = width;
  scratch.height = height;
  const reading = scratch.getContext('2d', { willReadFrequently: true });
  const drawing = canvas.getContext('2d');
  if (!reading || !drawing) throw new Error('this browser cannot draw on a canvas');
  reading.drawImage(bitmap, 0, 0);
  bitmap.close();
  const mask = reading.getImageData(0, 0, width, height).data;
  canvas.width = width;
  canvas.height = height;
  drawing.putImageData(new ImageData(maskOverlayPixels(mask), width, height), 0, 0);
  return { width, height, share: objectShare(mask) };
}
