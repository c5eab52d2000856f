import { emailProblem, nudgePoint, pointInBox, pointInImage } from './form';

describe('emailProblem', () => {
  it('accepts ordinary addresses', () => {
    for (const address of ['a@example.com', 'first.last+tag@sub.example.co.uk', " o'brien@example.ie "]) {
      expect(emailProblem(address)).toBeUndefined();
    }
  });

  it('explains an empty or malformed address', () => {
    expect(emailProblem('  ')).toMatch(/enter your email/);
    for (const address of [
      'a@b',
      'no-at.example.com',
      'a@@example.com',
      'a..b@example.com',
      'a b@example.com',
    ]) {
      expect(emailProblem(address)).toMatch(/is not an email address/);
    }
  });
});

describe('pointInImage', () => {
  const image = { width: 1000, height: 500 };
  const box = { width: 400, height: 400 }; // shown at 400x200, letterboxed 100 px above and below

  it('maps a click to the picture pixel under it', () => {
    expect(pointInImage({ x: 200, y: 200 }, box, image)).toEqual({ x: 500, y: 250 });
    expect(pointInImage({ x: 0, y: 100 }, box, image)).toEqual({ x: 0, y: 0 });
  });

  it('ignores clicks on the letterbox', () => {
    expect(pointInImage({ x: 200, y: 50 }, box, image)).toBeUndefined();
    expect(pointInImage({ x: 200, y: 350 }, box, image)).toBeUndefined();
  });

  it('round-trips with pointInBox (the marker sits where the user clicked)', () => {
    const point = pointInImage({ x: 123, y: 234 }, box, image) ?? { x: -1, y: -1 };
    const at = pointInBox(point, box, image);
    expect(at.left * box.width).toBeCloseTo(123, 0);
    expect(at.top * box.height).toBeCloseTo(234, 0);
  });
});

describe('nudgePoint', () => {
  it('moves by 1 % (10 % with Shift) and stays inside the picture', () => {
    const image = { width: 200, height: 100 };
    expect(nudgePoint({ x: 10, y: 10 }, 'ArrowRight', image, false)).toEqual({ x: 12, y: 10 });
    expect(nudgePoint({ x: 10, y: 10 }, 'ArrowUp', image, true)).toEqual({ x: 10, y: 0 });
    expect(nudgePoint({ x: 199, y: 99 }, 'ArrowDown', image, true)).toEqual({ x: 199, y: 99 });
    expect(nudgePoint({ x: 1, y: 1 }, 'a', image, false)).toBeUndefined();
  });
});
