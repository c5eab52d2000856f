/**
 * The prompts on the shown picture: a click marks a point on the object (Shift, or Background mode: on the
 * background), a drag in Box mode draws the box, and the keyboard does all of it. The decisions are pure functions;
 * {@link mountPromptPicker} wires them to the preview.
 */
import { byId, checkedValue, hide, show } from './dom';
import { nudgePoint, pointInBox, pointInImage, type Point } from './form';
import {
  addPoint,
  boxFromCorners,
  boxInFrame,
  centredBox,
  describePrompts,
  moveLastPoint,
  NO_PROMPTS,
  nudgeBox,
  pixelAt,
  removeLast,
  withBox,
  type Box,
  type PromptMode,
  type Prompts,
} from './prompts';

interface Size {
  readonly width: number;
  readonly height: number;
}

/** A place over the picture, as fractions of the frame (CSS percentages once multiplied by 100). */
export interface Placed {
  readonly left: number;
  readonly top: number;
}

/** Where each point's marker goes (background points drawn differently), as fractions of the frame. */
export function markerLayout(
  prompts: Prompts,
  frame: Size,
  image: Size,
): (Placed & { readonly negative: boolean })[] {
  return prompts.points.map((p) => ({ ...pointInBox(p, frame, image), negative: p.label === 0 }));
}

/** What a click on the picture marks: a point (on the background with Shift or in Background mode), or nothing. */
export function promptsAfterClick(
  prompts: Prompts,
  mode: PromptMode,
  shift: boolean,
  pointer: Point,
  frame: Size,
  image: Size,
): Prompts | undefined {
  if (mode === 'box' && !shift) return undefined; // box mode draws by dragging
  const at = pointInImage(pointer, frame, image);
  return at ? addPoint(prompts, at, mode === 'background' || shift ? 0 : 1) : undefined;
}

/**
 * What a key on the focused picture does. Enter or Space marks the middle (in Box mode: places a box, once),
 * Escape, Delete and Backspace remove the last mark, the arrows (and + / - for the box) move the last mark.
 * `next` is absent when nothing changes; `preventDefault` when the key was used (not scrolling the page).
 */
export function promptsAfterKey(
  prompts: Prompts,
  mode: PromptMode,
  key: string,
  shift: boolean,
  image: Size,
): { readonly next?: Prompts; readonly preventDefault: boolean } {
  if (key === 'Enter' || key === ' ') {
    if (mode === 'box') {
      return prompts.box
        ? { preventDefault: true }
        : { next: withBox(prompts, centredBox(image)), preventDefault: true };
    }
    const centre = { x: Math.floor(image.width / 2), y: Math.floor(image.height / 2) };
    return { next: addPoint(prompts, centre, mode === 'background' ? 0 : 1), preventDefault: true };
  }
  if (key === 'Escape' || key === 'Delete' || key === 'Backspace') {
    return { next: removeLast(prompts, mode), preventDefault: false };
  }
  if (mode === 'box') {
    const moved = prompts.box ? nudgeBox(prompts.box, key, image, shift) : undefined;
    return moved ? { next: withBox(prompts, moved), preventDefault: true } : { preventDefault: false };
  }
  const last = prompts.points.at(-1);
  const moved = last ? nudgePoint(last, key, image, shift) : undefined;
  return moved ? { next: moveLastPoint(prompts, moved), preventDefault: true } : { preventDefault: false };
}

export interface PromptPicker {
  /** The prompts marked now (none while no picture is chosen). */
  current(): Prompts;
  /** Replaces the prompts and draws them. */
  set(next: Prompts): void;
}

const percent = (fraction: number): string => `${fraction * 100}%`;

/** The elements one picker works on (the upload form's, or the Try-again panel's), by id, and its modes' radios. */
export interface PickerElements {
  readonly preview: string;
  readonly marks: string;
  readonly boxMark: string;
  readonly pointStatus: string;
  readonly clearPoint: string;
  /** The name of the radio group of modes (object, background, box). */
  readonly modes: string;
}

/** The upload form's picker. */
export const UPLOAD_PICKER: PickerElements = {
  preview: 'preview',
  marks: 'marks',
  boxMark: 'box-mark',
  pointStatus: 'point-status',
  clearPoint: 'clear-point',
  modes: 'prompt-mode',
};

/** Wires the preview: `picture` is the chosen picture's size, undefined while none is chosen. */
export function mountPromptPicker(
  picture: () => Size | undefined,
  ids: PickerElements = UPLOAD_PICKER,
): PromptPicker {
  const preview = byId(ids.preview);
  const marks = byId(ids.marks);
  const boxMark = byId(ids.boxMark);
  const pointStatus = byId(ids.pointStatus);
  const clearPoint = byId<HTMLButtonElement>(ids.clearPoint);
  const modeOf = (): PromptMode => (checkedValue(ids.modes) ?? 'object') as PromptMode;
  let prompts: Prompts = NO_PROMPTS;

  const drawBox = (box: Box | undefined): void => {
    const image = picture();
    if (!image || !box) return hide(boxMark);
    const at = boxInFrame(box, preview.getBoundingClientRect(), image);
    Object.assign(boxMark.style, {
      left: percent(at.left),
      top: percent(at.top),
      width: percent(at.width),
      height: percent(at.height),
    });
    show(boxMark);
  };
  const set = (next: Prompts): void => {
    const image = picture();
    prompts = image ? next : NO_PROMPTS;
    marks.replaceChildren();
    const placed = image ? markerLayout(prompts, preview.getBoundingClientRect(), image) : [];
    for (const at of placed) {
      const mark = document.createElement('span');
      mark.className = at.negative ? 'marker negative' : 'marker';
      mark.style.left = percent(at.left);
      mark.style.top = percent(at.top);
      marks.append(mark);
    }
    drawBox(prompts.box);
    clearPoint.hidden = prompts.points.length === 0 && !prompts.box;
    pointStatus.textContent = describePrompts(prompts);
  };
  const picker: PromptPicker = { current: () => prompts, set };
  wireBoxDrag(preview, picture, picker, drawBox, { modeOf, modes: ids.modes });
  wireMarking(preview, picture, picker, modeOf);
  clearPoint.addEventListener('click', () => {
    set(NO_PROMPTS);
    preview.focus();
  });
  window.addEventListener('resize', () => set(prompts));
  return picker;
}

const pointer = (preview: HTMLElement, event: MouseEvent): Point => {
  const rect = preview.getBoundingClientRect();
  return { x: event.clientX - rect.left, y: event.clientY - rect.top };
};

/** In Box mode a drag draws the box: shown as it is dragged, kept when the pointer is let go. */
function wireBoxDrag(
  preview: HTMLElement,
  picture: () => Size | undefined,
  picker: PromptPicker,
  drawBox: (box: Box | undefined) => void,
  { modeOf, modes }: { modeOf: () => PromptMode; modes: string },
): void {
  let dragFrom: Point | undefined;
  const pixel = (event: MouseEvent, image: Size): Point =>
    pixelAt(pointer(preview, event), preview.getBoundingClientRect(), image);
  preview.addEventListener('pointerdown', (event) => {
    const image = picture();
    if (!image || modeOf() !== 'box') return;
    event.preventDefault();
    preview.setPointerCapture(event.pointerId);
    dragFrom = pixel(event, image);
  });
  preview.addEventListener('pointermove', (event) => {
    const image = picture();
    if (!image || !dragFrom) return;
    drawBox(boxFromCorners(dragFrom, pixel(event, image), image) ?? picker.current().box);
  });
  preview.addEventListener('pointerup', (event) => {
    const image = picture();
    if (!image || !dragFrom) return;
    const box = boxFromCorners(dragFrom, pixel(event, image), image);
    dragFrom = undefined;
    picker.set(box ? withBox(picker.current(), box) : picker.current());
  });
  preview.addEventListener('pointercancel', () => {
    dragFrom = undefined;
    picker.set(picker.current());
  });
  for (const radio of document.querySelectorAll<HTMLInputElement>(`input[name="${modes}"]`)) {
    radio.addEventListener('change', () => preview.classList.toggle('box-mode', modeOf() === 'box'));
  }
}

/** Clicks and keys on the picture mark points (and place the box from the keyboard). */
function wireMarking(
  preview: HTMLElement,
  picture: () => Size | undefined,
  picker: PromptPicker,
  modeOf: () => PromptMode,
): void {
  preview.addEventListener('click', (event) => {
    const image = picture();
    if (!image) return;
    const frame = preview.getBoundingClientRect();
    const next = promptsAfterClick(
      picker.current(),
      modeOf(),
      event.shiftKey,
      pointer(preview, event),
      frame,
      image,
    );
    if (next) picker.set(next);
  });
  preview.addEventListener('keydown', (event) => {
    const image = picture();
    if (!image) return;
    const { next, preventDefault } = promptsAfterKey(
      picker.current(),
      modeOf(),
      event.key,
      event.shiftKey,
      image,
    );
    if (preventDefault) event.preventDefault();
    if (next) picker.set(next);
  });
}
