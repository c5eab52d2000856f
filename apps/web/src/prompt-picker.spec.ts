import { markerLayout, promptsAfterClick, promptsAfterKey } from './prompt-picker';
import { addPoint, NO_PROMPTS, withBox, type Prompts } from './prompts';

const image = { width: 200, height: 100 };
/** The picture fills a 400 × 200 frame exactly: 2 CSS pixels per picture pixel. */
const frame = { width: 400, height: 200 };
const one: Prompts = addPoint(NO_PROMPTS, { x: 10, y: 20 }, 1);

describe('marking the picture', () => {
  it('places a marker over each point, background points told apart', () => {
    const prompts = addPoint(one, { x: 99, y: 49 }, 0);
    expect(markerLayout(prompts, frame, image)).toEqual([
      { left: 10.5 / 200, top: 20.5 / 100, negative: false },
      { left: 99.5 / 200, top: 49.5 / 100, negative: true },
    ]);
  });

  it('marks the object with a click, the background with Shift or in Background mode', () => {
    const click = { x: 21, y: 41 }; // picture pixel (10, 20)
    expect(promptsAfterClick(NO_PROMPTS, 'object', false, click, frame, image)?.points).toEqual([
      { x: 10, y: 20, label: 1 },
    ]);
    expect(promptsAfterClick(NO_PROMPTS, 'object', true, click, frame, image)?.points).toEqual([
      { x: 10, y: 20, label: 0 },
    ]);
    expect(promptsAfterClick(NO_PROMPTS, 'background', false, click, frame, image)?.points).toEqual([
      { x: 10, y: 20, label: 0 },
    ]);
  });

  it('leaves clicks to the drag in Box mode (Shift-click still marks the background), and ignores the margins', () => {
    expect(promptsAfterClick(NO_PROMPTS, 'box', false, { x: 21, y: 41 }, frame, image)).toBeUndefined();
    expect(promptsAfterClick(NO_PROMPTS, 'box', true, { x: 21, y: 41 }, frame, image)?.points).toEqual([
      { x: 10, y: 20, label: 0 },
    ]);
    // A 400 × 400 frame letterboxes the picture: 100 CSS pixels of margin above and below.
    expect(
      promptsAfterClick(NO_PROMPTS, 'object', false, { x: 200, y: 50 }, { width: 400, height: 400 }, image),
    ).toBeUndefined();
  });
});

/** A key pressed on the preview of `image` (Shift held when `shift`). */
const press = (prompts: Prompts, mode: Parameters<typeof promptsAfterKey>[1], key: string, shift = false) =>
  promptsAfterKey(prompts, mode, key, shift, image);

describe('marking from the keyboard', () => {
  it('marks the middle with Enter or Space, on the object or the background', () => {
    expect(press(NO_PROMPTS, 'object', 'Enter')).toEqual({
      next: { points: [{ x: 100, y: 50, label: 1 }] },
      preventDefault: true,
    });
    expect(press(NO_PROMPTS, 'background', ' ').next?.points).toEqual([{ x: 100, y: 50, label: 0 }]);
  });

  it('places the middle half as a box once in Box mode', () => {
    const placed = press(one, 'box', 'Enter');
    expect(placed).toEqual({
      next: { ...one, box: { x0: 50, y0: 25, x1: 150, y1: 75 } },
      preventDefault: true,
    });
    expect(press(placed.next as Prompts, 'box', 'Enter')).toEqual({
      preventDefault: true,
    });
  });

  it('removes the last mark with Escape, Delete or Backspace, and lets the key through', () => {
    for (const key of ['Escape', 'Delete', 'Backspace']) {
      expect(press(one, 'object', key)).toEqual({
        next: NO_PROMPTS,
        preventDefault: false,
      });
    }
    const boxed = withBox(one, { x0: 0, y0: 0, x1: 10, y1: 10 });
    expect(press(boxed, 'box', 'Delete').next).toEqual(one);
  });

  it('moves the last point, or the box in Box mode, with the arrows (Shift: further)', () => {
    expect(press(one, 'object', 'ArrowRight')).toEqual({
      next: { points: [{ x: 12, y: 20, label: 1 }] },
      preventDefault: true,
    });
    expect(press(one, 'object', 'ArrowDown', true).next?.points).toEqual([{ x: 10, y: 30, label: 1 }]);
    const boxed = withBox(NO_PROMPTS, { x0: 10, y0: 10, x1: 20, y1: 20 });
    expect(press(boxed, 'box', 'ArrowLeft').next?.box).toEqual({
      x0: 8,
      y0: 10,
      x1: 18,
      y1: 20,
    });
    expect(press(boxed, 'box', '+').next?.box).toEqual({
      x0: 8,
      y0: 9,
      x1: 22,
      y1: 21,
    });
  });

  it('lets other keys (and arrows with nothing to move) reach the page', () => {
    expect(press(one, 'object', 'Tab')).toEqual({ preventDefault: false });
    expect(press(NO_PROMPTS, 'object', 'ArrowLeft')).toEqual({
      preventDefault: false,
    });
    expect(press(one, 'box', 'ArrowLeft')).toEqual({ preventDefault: false });
  });
});
