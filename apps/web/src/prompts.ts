/**
 * The prompts of the upload form, SAM-style: points on the object (label 1) or on the background (label 0), and
 * one box around the object. Pure: the page keeps a {@link Prompts} value and draws what these functions return.
 * Coordinates are pixels of the uploaded picture, origin top-left (what the worker expects).
 */
import type { Point } from './form';

export type Label = 0 | 1;
export interface LabelledPoint extends Point {
  readonly label: Label;
}
/** The object is inside; `x1` and `y1` are exclusive (as the pipeline's BoxSchema says). */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}
export interface Prompts {
  readonly points: readonly LabelledPoint[];
  readonly box?: Box;
}
interface Size {
  readonly width: number;
  readonly height: number;
}

/** What a click (or Enter) on the picture marks. */
export type PromptMode = 'object' | 'background' | 'box';

/** The pipeline's limit (MAX_POINTS of @gen3d/events). */
export const MAX_POINTS = 64;
/** A drag shorter than this (in picture pixels, either side) is not a box. */
export const MIN_BOX_PIXELS = 4;

export const NO_PROMPTS: Prompts = { points: [] };

/** Adds a point; beyond {@link MAX_POINTS} the oldest one goes. */
export function addPoint(prompts: Prompts, point: Point, label: Label): Prompts {
  const points = [...prompts.points, { x: point.x, y: point.y, label }];
  return { ...prompts, points: points.slice(-MAX_POINTS) };
}

/** Replaces the last point (the one the arrow keys move). */
export function moveLastPoint(prompts: Prompts, to: Point): Prompts {
  const last = prompts.points.at(-1);
  if (!last) return prompts;
  return { ...prompts, points: [...prompts.points.slice(0, -1), { ...last, x: to.x, y: to.y }] };
}

/** Removes the last mark: the box when it was the last thing drawn in box mode, else the last point. */
export function removeLast(prompts: Prompts, mode: PromptMode): Prompts {
  if (mode === 'box' && prompts.box) return { points: prompts.points };
  if (prompts.points.length > 0) return { ...prompts, points: prompts.points.slice(0, -1) };
  return prompts.box ? { points: prompts.points } : prompts;
}

export function withBox(prompts: Prompts, box: Box | undefined): Prompts {
  return box ? { ...prompts, box } : { points: prompts.points };
}

/**
 * The box two corners span (a drag in any direction), clamped to the picture; undefined when it is too small to
 * mean anything (a click, a slip).
 */
export function boxFromCorners(a: Point, b: Point, image: Size): Box | undefined {
  const clampX = (v: number) => Math.min(image.width, Math.max(0, v));
  const clampY = (v: number) => Math.min(image.height, Math.max(0, v));
  const x0 = clampX(Math.min(a.x, b.x));
  const y0 = clampY(Math.min(a.y, b.y));
  const x1 = clampX(Math.max(a.x, b.x) + 1);
  const y1 = clampY(Math.max(a.y, b.y) + 1);
  if (x1 - x0 < MIN_BOX_PIXELS || y1 - y0 < MIN_BOX_PIXELS) return undefined;
  return { x0, y0, x1, y1 };
}

/** The box Enter places from the keyboard: the middle half of the picture. */
export function centredBox(image: Size): Box {
  return {
    x0: Math.floor(image.width / 4),
    y0: Math.floor(image.height / 4),
    x1: Math.ceil((image.width * 3) / 4),
    y1: Math.ceil((image.height * 3) / 4),
  };
}

/**
 * The keyboard's box: the arrow keys move it, + and - grow and shrink it on every side (1 % of the picture per
 * press, 10 % with Shift), always inside the picture and never smaller than {@link MIN_BOX_PIXELS}.
 */
export function nudgeBox(box: Box, key: string, image: Size, big: boolean): Box | undefined {
  const sx = Math.max(1, Math.round((image.width * (big ? 10 : 1)) / 100));
  const sy = Math.max(1, Math.round((image.height * (big ? 10 : 1)) / 100));
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const moveX = (dx: number): Box => {
    const x0 = Math.min(image.width - w, Math.max(0, box.x0 + dx));
    return { ...box, x0, x1: x0 + w };
  };
  const moveY = (dy: number): Box => {
    const y0 = Math.min(image.height - h, Math.max(0, box.y0 + dy));
    return { ...box, y0, y1: y0 + h };
  };
  const grow = (gx: number, gy: number): Box => {
    const x0 = Math.max(0, box.x0 - gx);
    const x1 = Math.min(image.width, box.x1 + gx);
    const y0 = Math.max(0, box.y0 - gy);
    const y1 = Math.min(image.height, box.y1 + gy);
    if (x1 - x0 < MIN_BOX_PIXELS || y1 - y0 < MIN_BOX_PIXELS) return box;
    return { x0, y0, x1, y1 };
  };
  switch (key) {
    case 'ArrowLeft':
      return moveX(-sx);
    case 'ArrowRight':
      return moveX(sx);
    case 'ArrowUp':
      return moveY(-sy);
    case 'ArrowDown':
      return moveY(sy);
    case '+':
    case '=':
      return grow(sx, sy);
    case '-':
    case '_':
      return grow(-sx, -sy);
    default:
      return undefined;
  }
}

/** Where a box is drawn over the picture shown with `object-fit: contain`, as fractions of the frame. */
export function boxInFrame(
  box: Box,
  frame: Size,
  image: Size,
): { readonly left: number; readonly top: number; readonly width: number; readonly height: number } {
  const scale = Math.min(frame.width / image.width, frame.height / image.height);
  const offsetX = (frame.width - image.width * scale) / 2;
  const offsetY = (frame.height - image.height * scale) / 2;
  return {
    left: (offsetX + box.x0 * scale) / frame.width,
    top: (offsetY + box.y0 * scale) / frame.height,
    width: ((box.x1 - box.x0) * scale) / frame.width,
    height: ((box.y1 - box.y0) * scale) / frame.height,
  };
}

/**
 * The prompt fields of POST /uploads: one point on the object alone stays the old `point` (same metadata as
 * before); anything more is `points` with labels and/or `box`. Nothing marked: nothing sent (automatic mask).
 */
export function promptsForUpload(prompts: Prompts): {
  point?: Point;
  points?: LabelledPoint[];
  box?: Box;
} {
  const only = prompts.points.length === 1 ? prompts.points[0] : undefined;
  if (only && only.label === 1 && !prompts.box) return { point: { x: only.x, y: only.y } };
  return {
    ...(prompts.points.length > 0 ? { points: prompts.points.map((p) => ({ ...p })) } : {}),
    ...(prompts.box ? { box: { ...prompts.box } } : {}),
  };
}

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** The status line under the picture (a live region: short, plain words). */
export function describePrompts(prompts: Prompts): string {
  const on = prompts.points.filter((p) => p.label === 1);
  const off = prompts.points.filter((p) => p.label === 0);
  const box = prompts.box;
  if (on.length === 0 && off.length === 0 && !box) return 'No point marked: the largest object is used.';
  if (on.length === 1 && off.length === 0 && !box) {
    const [p] = on as [LabelledPoint];
    return `Point marked at x ${p.x}, y ${p.y} (pixels of the picture).`;
  }
  const parts: string[] = [];
  if (on.length > 0) parts.push(count(on.length, 'point on the object', 'points on the object'));
  if (off.length > 0) parts.push(count(off.length, 'point on the background', 'points on the background'));
  if (box) parts.push(`a box from x ${box.x0}, y ${box.y0} to x ${box.x1}, y ${box.y1}`);
  const text = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0];
  return `Marked: ${text}.`;
}

/** The picture pixel under a pointer, not clamped (a drag may leave the picture; {@link boxFromCorners} clamps). */
export function pixelAt(pointer: Point, frame: Size, image: Size): Point {
  const scale = Math.min(frame.width / image.width, frame.height / image.height);
  const left = (frame.width - image.width * scale) / 2;
  const top = (frame.height - image.height * scale) / 2;
  return { x: Math.floor((pointer.x - left) / scale), y: Math.floor((pointer.y - top) / scale) };
}
