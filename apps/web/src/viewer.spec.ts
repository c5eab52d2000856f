import { BufferGeometry, Float32BufferAttribute } from 'three';
import { cameraFit, countsOf, orbitByKey, parsePly } from './viewer';

/** An ASCII PLY of one coloured square: 4 vertices, 1 quad (PLYLoader makes 2 triangles of it). */
const SQUARE_PLY = [
  'ply',
  'format ascii 1.0',
  'element vertex 4',
  'property float x',
  'property float y',
  'property float z',
  'property uchar red',
  'property uchar green',
  'property uchar blue',
  'element face 1',
  'property list uchar int vertex_indices',
  'end_header',
  '0 0 0 255 0 0',
  '1 0 0 0 255 0',
  '1 1 0 0 0 255',
  '0 1 0 255 255 255',
  '4 0 1 2 3',
  '',
].join('\n');

const bytesOf = (text: string): ArrayBuffer => new TextEncoder().encode(text).buffer as ArrayBuffer;

describe('the 3D viewer, without a screen', () => {
  it('reads a PLY with its colours, triangulates its faces and computes the normals it lacks', () => {
    const geometry = parsePly(bytesOf(SQUARE_PLY));
    expect(countsOf(geometry)).toEqual({ vertices: 4, faces: 2 });
    expect(geometry.getAttribute('color')?.count).toBe(4);
    const normal = geometry.getAttribute('normal');
    expect(normal?.count).toBe(4);
    // The square lies in z = 0, wound anticlockwise seen from +z: every normal points along +z.
    expect([normal?.getX(0), normal?.getY(0), normal?.getZ(0)].map((v) => Math.round(v ?? NaN))).toEqual([
      0, 0, 1,
    ]);
  });

  it('counts the triangles of a geometry without an index as vertices in threes', () => {
    const soup = new BufferGeometry();
    soup.setAttribute('position', new Float32BufferAttribute(new Array(18).fill(0), 3));
    expect(countsOf(soup)).toEqual({ vertices: 6, faces: 2 });
    expect(countsOf(new BufferGeometry())).toEqual({ vertices: 0, faces: 0 });
  });

  it('puts the camera where the whole mesh is in view, and lets it zoom only so far', () => {
    const fit = cameraFit(1, 40);
    // The bounding sphere fills the field of view with 15 % to spare: radius / sin(fov / 2) * 1.15.
    expect(fit.distance).toBeCloseTo((1 / Math.sin((20 * Math.PI) / 180)) * 1.15, 10);
    expect(fit.near).toBeCloseTo(fit.distance / 100, 10);
    expect(fit.far).toBeCloseTo(fit.distance * 100, 10);
    expect(fit.minDistance).toBe(0.5);
    expect(fit.maxDistance).toBeCloseTo(fit.distance * 6, 10);
    expect(cameraFit(2, 40).distance).toBeCloseTo(fit.distance * 2, 10);
  });

  it('turns and zooms from the keyboard, never over a pole nor past the zoom limits', () => {
    const limits = { minDistance: 1, maxDistance: 10 };
    const orbit = { radius: 5, phi: Math.PI / 2, theta: 0 };
    const step = Math.PI / 24;
    expect(orbitByKey(orbit, 'ArrowLeft', limits)?.theta).toBeCloseTo(-step, 10);
    expect(orbitByKey(orbit, 'ArrowRight', limits)?.theta).toBeCloseTo(step, 10);
    expect(orbitByKey(orbit, 'ArrowUp', limits)?.phi).toBeCloseTo(Math.PI / 2 - step, 10);
    expect(orbitByKey({ ...orbit, phi: 0.06 }, 'ArrowUp', limits)?.phi).toBe(0.05);
    expect(orbitByKey({ ...orbit, phi: Math.PI - 0.06 }, 'ArrowDown', limits)?.phi).toBe(Math.PI - 0.05);
    expect(orbitByKey(orbit, '+', limits)?.radius).toBeCloseTo(4.5, 10);
    expect(orbitByKey(orbit, '=', limits)?.radius).toBeCloseTo(4.5, 10);
    expect(orbitByKey({ ...orbit, radius: 1.05 }, '+', limits)?.radius).toBe(1);
    expect(orbitByKey(orbit, '-', limits)?.radius).toBeCloseTo(5 / 0.9, 10);
    expect(orbitByKey({ ...orbit, radius: 9.5 }, '-', limits)?.radius).toBe(10);
    expect(orbitByKey(orbit, 'a', limits)).toBeUndefined();
  });
});
