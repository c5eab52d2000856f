import { downloadableFormats, emailNotice, outputsForUpload, WEB_TARGET_FACES } from './outputs';

describe('outputs', () => {
  it('sends formats only when more than the PLY is chosen, PLY first, in the pipeline order', () => {
    expect(outputsForUpload([], false)).toEqual({});
    expect(outputsForUpload(['ply'], false)).toEqual({});
    expect(outputsForUpload(['obj', 'glb', 'glb', 'nope'], false)).toEqual({
      formats: ['ply', 'glb', 'obj'],
    });
    expect(outputsForUpload(['3mf'], true)).toEqual({
      formats: ['ply', '3mf'],
      targetFaces: WEB_TARGET_FACES,
    });
    expect(outputsForUpload([], true)).toEqual({ targetFaces: 50_000 });
  });

  it('offers a download per format the job made, the PLY always, unknown ones not', () => {
    expect(downloadableFormats(undefined)).toEqual(['ply']);
    expect(downloadableFormats(['glb', 'ply', 'stl'])).toEqual(['ply', 'glb', 'stl']);
    expect(downloadableFormats(['obj', 'usdz'])).toEqual(['ply', 'obj']);
  });

  it('says a result email is held only when the job view says so', () => {
    expect(emailNotice('held')).toMatch(/confirm/);
    expect(emailNotice('sent')).toBeUndefined();
    expect(emailNotice(undefined)).toBeUndefined();
  });
});
