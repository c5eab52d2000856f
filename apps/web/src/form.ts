/** Small pure helpers of the upload form. */

// The same shape the API's schema (zod's z.email) accepts, minus its rarest corners: one @, a dot in the domain.
const EMAIL = /^(?!\.)(?!.*\.\.)[A-Za-z0-9_'+\-.]*[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

/** Why an address cannot be used, or undefined when it can. */
export function emailProblem(value: string): string | undefined {
  const address = value.trim();
  if (address === '') return 'Please enter your email address: the result is sent there.';
  if (address.length > 254 || !EMAIL.test(address)) return `"${address}" is not an email address.`;
  return undefined;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/**
 * Where a click on the shown picture falls in the picture's own pixels (what the worker expects: origin top-left),
 * for an image drawn with `object-fit: contain` inside a box of `box` CSS pixels.
 */
export function pointInImage(
  click: { readonly x: number; readonly y: number },
  box: { readonly width: number; readonly height: number },
  image: { readonly width: number; readonly height: number },
): Point | undefined {
  const scale = Math.min(box.width / image.width, box.height / image.height);
  const shownWidth = image.width * scale;
  const shownHeight = image.height * scale;
  const left = (box.width - shownWidth) / 2;
  const top = (box.height - shownHeight) / 2;
  const x = Math.floor((click.x - left) / scale);
  const y = Math.floor((click.y - top) / scale);
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return undefined;
  return { x, y };
}

/** The inverse: where a picture pixel is drawn in the box (for the marker), as fractions of the box. */
export function pointInBox(
  point: Point,
  box: { readonly width: number; readonly height: number },
  image: { readonly width: number; readonly height: number },
): { readonly left: number; readonly top: number } {
  const scale = Math.min(box.width / image.width, box.height / image.height);
  const left = (box.width - image.width * scale) / 2 + (point.x + 0.5) * scale;
  const top = (box.height - image.height * scale) / 2 + (point.y + 0.5) * scale;
  return { left: left / box.width, top: top / box.height };
}

/** Moves a point with the arrow keys (1 % of the picture per press, 10 % with Shift), kept inside the picture. */
export function nudgePoint(
  point: Point,
  key: string,
  image: { readonly width: number; readonly height: number },
  big: boolean,
): Point | undefined {
  const step = (size: number) => Math.max(1, Math.round((size * (big ? 10 : 1)) / 100));
  const clamp = (value: number, size: number) => Math.min(size - 1, Math.max(0, value));
  const moves: Record<string, [number, number]> = {
    ArrowLeft: [-step(image.width), 0],
    ArrowRight: [step(image.width), 0],
    ArrowUp: [0, -step(image.height)],
    ArrowDown: [0, step(image.height)],
  };
  const move = moves[key];
  if (!move) return undefined;
  return { x: clamp(point.x + move[0], image.width), y: clamp(point.y + move[1], image.height) };
}
