import {
  addPoint,
  boxFromCorners,
  boxInFrame,
  centredBox,
  describePrompts,
  MAX_POINTS,
  moveLastPoint,
  NO_PROMPTS,
  nudgeBox,
  pixelAt,
  promptsForUpload,
  removeLast,
  withBox,
} from './prompts';

const image = { width: 200, height: 100 };

describe('prompts', () => {
  it('sends one point on the object as the old `point`, and anything more as labelled `points` and `box`', () => {
    expect(promptsForUpload(NO_PROMPTS)).toEqual({});
    const one = addPoint(NO_PROMPTS, { x: 5, y: 6 }, 1);
    expect(promptsForUpload(one)).toEqual({ point: { x: 5, y: 6 } });
    const two = addPoint(one, { x: 1, y: 2 }, 0);
    expect(promptsForUpload(two)).toEqual({
      points: [
        { x: 5, y: 6, label: 1 },
        { x: 1, y: 2, label: 0 },
      ],
    });
    const boxed = withBox(one, { x0: 1, y0: 2, x1: 30, y1: 40 });
    expect(promptsForUpload(boxed)).toEqual({
      points: [{ x: 5, y: 6, label: 1 }],
      box: { x0: 1, y0: 2, x1: 30, y1: 40 },
    });
    expect(promptsForUpload(addPoint(NO_PROMPTS, { x: 3, y: 3 }, 0))).toEqual({
      points: [{ x: 3, y: 3, label: 0 }],
    });
  });

  it('keeps at most the pipeline limit of points, dropping the oldest', () => {
    let prompts = NO_PROMPTS;
    for (let i = 0; i < MAX_POINTS + 3; i += 1) prompts = addPoint(prompts, { x: i, y: 0 }, 1);
    expect(prompts.points).toHaveLength(MAX_POINTS);
    expect(prompts.points[0]?.x).toBe(3);
  });

  it('moves and removes the last mark; in box mode the box goes first', () => {
    const p = withBox(
      addPoint(addPoint(NO_PROMPTS, { x: 1, y: 1 }, 1), { x: 2, y: 2 }, 0),
      centredBox(image),
    );
    expect(moveLastPoint(p, { x: 9, y: 8 }).points[1]).toEqual({ x: 9, y: 8, label: 0 });
    expect(moveLastPoint(NO_PROMPTS, { x: 9, y: 8 })).toBe(NO_PROMPTS);
    const noBox = removeLast(p, 'box');
    expect(noBox.box).toBeUndefined();
    expect(noBox.points).toHaveLength(2);
    expect(removeLast(p, 'object').points).toHaveLength(1);
    expect(removeLast(p, 'object').box).toBeDefined();
    expect(removeLast(withBox(NO_PROMPTS, centredBox(image)), 'object')).toEqual(NO_PROMPTS);
  });

  it('makes a box from a drag in any direction, clamped to the picture, and ignores a click', () => {
    expect(boxFromCorners({ x: 50, y: 80 }, { x: 10, y: 20 }, image)).toEqual({
      x0: 10,
      y0: 20,
      x1: 51,
      y1: 81,
    });
    expect(boxFromCorners({ x: -5, y: -5 }, { x: 500, y: 500 }, image)).toEqual({
      x0: 0,
      y0: 0,
      x1: 200,
      y1: 100,
    });
    expect(boxFromCorners({ x: 10, y: 10 }, { x: 11, y: 40 }, image)).toBeUndefined();
  });

  it('moves and resizes the keyboard box inside the picture', () => {
    const box = centredBox(image);
    expect(box).toEqual({ x0: 50, y0: 25, x1: 150, y1: 75 });
    expect(nudgeBox(box, 'ArrowLeft', image, false)).toEqual({ x0: 48, y0: 25, x1: 148, y1: 75 });
    expect(nudgeBox(box, 'ArrowDown', image, true)).toEqual({ x0: 50, y0: 35, x1: 150, y1: 85 });
    expect(nudgeBox({ x0: 0, y0: 0, x1: 20, y1: 20 }, 'ArrowLeft', image, true)).toEqual({
      x0: 0,
      y0: 0,
      x1: 20,
      y1: 20,
    });
    expect(nudgeBox(box, '+', image, false)).toEqual({ x0: 48, y0: 24, x1: 152, y1: 76 });
    expect(nudgeBox(box, '-', image, false)).toEqual({ x0: 52, y0: 26, x1: 148, y1: 74 });
    const tiny = { x0: 10, y0: 10, x1: 14, y1: 14 };
    expect(nudgeBox(tiny, '-', image, false)).toEqual(tiny);
    expect(nudgeBox(box, 'a', image, false)).toBeUndefined();
  });

  it('draws a box where the picture is shown (letterboxed, object-fit: contain)', () => {
    // A 200 × 100 picture in a 400 × 400 frame: scale 2, 100 px bands above and below.
    expect(boxInFrame({ x0: 0, y0: 0, x1: 200, y1: 100 }, { width: 400, height: 400 }, image)).toEqual({
      left: 0,
      top: 0.25,
      width: 1,
      height: 0.5,
    });
  });

  it('describes what is marked in plain words, the single point as before', () => {
    expect(describePrompts(NO_PROMPTS)).toMatch(/No point marked/);
    expect(describePrompts(addPoint(NO_PROMPTS, { x: 5, y: 6 }, 1))).toBe(
      'Point marked at x 5, y 6 (pixels of the picture).',
    );
    const all = withBox(addPoint(addPoint(NO_PROMPTS, { x: 5, y: 6 }, 1), { x: 1, y: 1 }, 0), {
      x0: 1,
      y0: 2,
      x1: 30,
      y1: 40,
    });
    expect(describePrompts(all)).toBe(
      'Marked: 1 point on the object, 1 point on the background and a box from x 1, y 2 to x 30, y 40.',
    );
    expect(describePrompts(addPoint(addPoint(NO_PROMPTS, { x: 1, y: 1 }, 0), { x: 2, y: 2 }, 0))).toBe(
      'Marked: 2 points on the background.',
    );
  });

  it('finds the pixel under a pointer, outside the picture too (for a drag)', () => {
    expect(pixelAt({ x: 200, y: 200 }, { width: 400, height: 400 }, image)).toEqual({ x: 100, y: 50 });
    expect(pixelAt({ x: 0, y: 0 }, { width: 400, height: 400 }, image)).toEqual({ x: 0, y: -50 });
  });
});
