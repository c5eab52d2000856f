import { pngHead } from './fixtures/png-head';
import { previewAlt, readPicture } from './picture-input';

describe('choosing a picture', () => {
  it('reads the size of a PNG from its first bytes, whatever follows', async () => {
    const file = new Blob([pngHead(640, 480), new Uint8Array(1000)]);
    await expect(readPicture(file)).resolves.toEqual({ ok: true, width: 640, height: 480 });
  });

  it('names what a file really is when it is not a PNG', async () => {
    const jpeg = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...new Array(40).fill(0)])]);
    await expect(readPicture(jpeg)).resolves.toEqual({
      ok: false,
      problem:
        'This file is a JPEG picture, not a PNG (whatever its name says). Please save it as PNG first.',
    });
    await expect(readPicture(new Blob([]))).resolves.toEqual({ ok: false, problem: 'This file is empty.' });
  });

  it('describes the preview for screen readers', () => {
    expect(previewAlt({ file: { name: 'ball.png' }, width: 640, height: 480 })).toBe(
      'The picture you chose: ball.png, 640 × 480 pixels',
    );
  });
});
