import { InvalidKeyError } from './errors';
import {
  buildMeshFileKey,
  buildResultImageKey,
  buildOutputKey,
  EXTRA_MESH_FORMATS,
  MESH_FORMATS,
  parseDataBucketKey,
  parseMeshFileKey,
} from './keys';
import { matchNotificationRule, NOTIFICATION_RULES } from './notification-rules';

describe('mesh files in extra formats', () => {
  const chair = { userId: 'u1', name: 'my chair (1)' };

  it('puts every format next to the PLY, under the same name', () => {
    expect(MESH_FORMATS.map((format) => buildMeshFileKey(chair, format))).toEqual([
      'users/u1/output/my chair (1).ply',
      'users/u1/output/my chair (1).glb',
      'users/u1/output/my chair (1).stl',
      'users/u1/output/my chair (1).3mf',
      'users/u1/output/my chair (1).obj',
    ]);
    expect(buildMeshFileKey(chair, 'ply')).toBe(buildOutputKey(chair));
  });

  it('parses what it builds, with the format', () => {
    for (const format of EXTRA_MESH_FORMATS) {
      const key = buildMeshFileKey(chair, format);
      expect(parseDataBucketKey(key)).toEqual({
        kind: 'mesh-file',
        key,
        userId: 'u1',
        name: chair.name,
        format,
      });
      expect(parseMeshFileKey(key).format).toBe(format);
    }
    // A name that itself ends like a format keeps it: only the last extension is the format.
    expect(parseMeshFileKey('users/u1/output/a.glb.stl')).toMatchObject({ name: 'a.glb', format: 'stl' });
    expect(parseDataBucketKey('users/u1/output/a.glb.ply')).toMatchObject({ kind: 'output', name: 'a.glb' });
  });

  it('refuses an unknown format, an empty name and a key of another kind', () => {
    expect(() => buildMeshFileKey(chair, 'fbx' as never)).toThrow(InvalidKeyError);
    expect(() => parseDataBucketKey('users/u1/output/chair.fbx')).toThrow(
      /"\.glb", "\.stl", "\.3mf", "\.obj"/,
    );
    expect(() => parseDataBucketKey('users/u1/output/.glb')).toThrow(InvalidKeyError);
    expect(() => parseMeshFileKey('users/u1/output/chair.ply')).toThrow(/kind "mesh-file"/);
    expect(() => buildMeshFileKey({ userId: '../u2', name: 'x' }, 'glb')).toThrow(InvalidKeyError);
  });

  it('triggers no S3 notification: only the PLY, written last, notifies', () => {
    for (const format of EXTRA_MESH_FORMATS) {
      expect(matchNotificationRule(buildMeshFileKey(chair, format))).toBeUndefined();
      for (const rule of NOTIFICATION_RULES) expect(rule.suffix.endsWith(`.${format}`)).toBe(false);
    }
    expect(matchNotificationRule(buildMeshFileKey(chair, 'ply'))?.target).toBe('notify');
  });
});

describe('the pictures a job makes beside its mesh', () => {
  it('builds and parses the thumbnail and the mask the job used, never as an upload', () => {
    const thumb = buildResultImageKey({ userId: 'u1', name: 'my chair' }, 'thumbnail');
    expect(thumb).toBe('users/u1/output/my chair.thumb.png');
    expect(parseDataBucketKey(thumb)).toEqual({
      kind: 'result-image',
      key: thumb,
      userId: 'u1',
      name: 'my chair',
      image: 'thumbnail',
    });
    expect(parseDataBucketKey('users/u1/output/a.mask.png')).toMatchObject({ image: 'mask', name: 'a' });
    // The upload trigger (prefix users/, suffix .png) matches them: the extract core must see them as results.
    expect(parseDataBucketKey('users/u1/output/a.mask.png').kind).not.toBe('input');
    expect(() => parseDataBucketKey('users/u1/output/.thumb.png')).toThrow(InvalidKeyError);
  });
});
