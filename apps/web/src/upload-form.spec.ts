import type { UploadGrant, UploadRequest } from './api-client';
import { addPoint, NO_PROMPTS } from './prompts';
import {
  confirmationNote,
  sendPicture,
  shapeForUpload,
  uploadRequest,
  type UploadFormValues,
} from './upload-form';

const values: UploadFormValues = {
  email: '  ann@example.com ',
  quality: 'standard',
  shape: 'auto',
  formats: ['ply'],
  smaller: false,
};
const file = { name: 'ball.png', size: 1234 };

describe('the upload form', () => {
  it('asks for the picture, the trimmed address and the quality, and nothing the user left as it was', () => {
    expect(uploadRequest(file, values, NO_PROMPTS)).toEqual({
      fileName: 'ball.png',
      size: 1234,
      email: 'ann@example.com',
      quality: 'standard',
    });
  });

  it('adds the chosen shape, the prompts and the outputs', () => {
    const prompts = addPoint(addPoint(NO_PROMPTS, { x: 1, y: 2 }, 1), { x: 3, y: 4 }, 0);
    expect(
      uploadRequest(
        file,
        { ...values, shape: 'revolve', formats: ['ply', 'stl', 'glb'], smaller: true },
        prompts,
      ),
    ).toEqual({
      fileName: 'ball.png',
      size: 1234,
      email: 'ann@example.com',
      quality: 'standard',
      shape: 'revolve',
      points: [
        { x: 1, y: 2, label: 1 },
        { x: 3, y: 4, label: 0 },
      ],
      formats: ['ply', 'glb', 'stl'],
      targetFaces: 50_000,
    });
  });

  it('sends "automatic" and an unset shape as nothing', () => {
    expect(shapeForUpload('auto')).toEqual({});
    expect(shapeForUpload(undefined)).toEqual({});
    expect(shapeForUpload('slab')).toEqual({ shape: 'slab' });
  });

  it('says where an unconfirmed address stands, and nothing for a confirmed one', () => {
    expect(
      confirmationNote({ confirmed: true, confirmation: 'not-needed' }, 'a@example.com'),
    ).toBeUndefined();
    expect(confirmationNote({ confirmed: false, confirmation: 'sent' }, ' a@example.com ')).toBe(
      'We sent a confirmation link to a@example.com. Results are emailed only after you open it once; until then, follow your picture here.',
    );
    expect(confirmationNote({ confirmed: false, confirmation: 'pending' }, 'a@example.com')).toMatch(
      /^Your address is not confirmed yet: /,
    );
  });
});

describe('sendPicture', () => {
  const grant: UploadGrant = {
    name: 'ball-1',
    key: 'users/w1/input/ball-1.png',
    upload: { url: '/s3/b', fields: { key: 'users/w1/input/ball-1.png' }, expiresAt: '' },
    address: { confirmed: true, confirmation: 'not-needed' },
  };

  it('asks for a grant, then posts the file with it, reporting whole percents', async () => {
    const asked: UploadRequest[] = [];
    const posted: unknown[] = [];
    const percents: number[] = [];
    const picture = new Blob(['png']);
    const request = uploadRequest(file, values, NO_PROMPTS);
    const result = await sendPicture(
      { requestUpload: async (r) => (asked.push(r), grant) },
      async (upload, blob, onProgress) => {
        posted.push(upload, blob);
        onProgress(0.333);
        onProgress(1);
      },
      request,
      picture,
      (p) => percents.push(p),
    );
    expect(result).toBe(grant);
    expect(asked).toEqual([request]);
    expect(posted).toEqual([grant.upload, picture]);
    expect(percents).toEqual([33, 100]);
  });

  it('posts nothing when no grant is given', async () => {
    const post = jest.fn();
    await expect(
      sendPicture(
        { requestUpload: () => Promise.reject(new Error('refused')) },
        post,
        uploadRequest(file, values, NO_PROMPTS),
        new Blob([]),
        () => undefined,
      ),
    ).rejects.toThrow('refused');
    expect(post).not.toHaveBeenCalled();
  });
});
