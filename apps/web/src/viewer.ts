/** The 3D view of a job's mesh (three.js), and the pure geometry behind it. Loaded only once a mesh is shown. */
import {
  Box3,
  Color,
  DirectionalLight,
  HemisphereLight,
  Mesh,
  MeshStandardMaterial,
  PerspectiveCamera,
  PlaneGeometry,
  Scene,
  ShadowMaterial,
  Sphere,
  Spherical,
  Vector3,
  WebGLRenderer,
  type BufferGeometry,
} from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { PLYLoader } from 'three/addons/loaders/PLYLoader.js';

export const VIEWER_BACKGROUND = '#e9edf2';

export interface MeshCounts {
  readonly vertices: number;
  readonly faces: number;
}

/** Counts of a loaded PLY geometry (faces are triangles after PLYLoader's triangulation). */
export function countsOf(geometry: BufferGeometry): MeshCounts {
  const vertices = geometry.getAttribute('position')?.count ?? 0;
  const faces = geometry.index ? geometry.index.count / 3 : vertices / 3;
  return { vertices, faces };
}

/** A PLY file (binary or ASCII) as a geometry with normals (computed when the file has none). */
export function parsePly(ply: ArrayBuffer): BufferGeometry {
  const geometry = new PLYLoader().parse(ply);
  if (!geometry.getAttribute('normal')) geometry.computeVertexNormals();
  return geometry;
}

/** Where the camera goes for a mesh of this bounding radius: the whole mesh in view, with a little margin. */
export function cameraFit(
  radius: number,
  fovDegrees: number,
): {
  readonly distance: number;
  readonly near: number;
  readonly far: number;
  readonly minDistance: number;
  readonly maxDistance: number;
} {
  const distance = (radius / Math.sin(((fovDegrees / 2) * Math.PI) / 180)) * 1.15;
  return {
    distance,
    near: distance / 100,
    far: distance * 100,
    minDistance: radius * 0.5,
    maxDistance: distance * 6,
  };
}

export interface Orbit {
  readonly radius: number;
  /** From the up axis, kept off the poles. */
  readonly phi: number;
  /** Around the up axis. */
  readonly theta: number;
}

const ORBIT_STEP = Math.PI / 24;
const ZOOM = 0.9;

/**
 * Where a key moves the camera around its target: the arrows turn it (a 24th of a half turn), + (or =) and - zoom
 * within the controls' distances. Undefined for any other key.
 */
export function orbitByKey(
  orbit: Orbit,
  key: string,
  limits: { readonly minDistance: number; readonly maxDistance: number },
): Orbit | undefined {
  const closer = (): Orbit => ({ ...orbit, radius: Math.max(limits.minDistance, orbit.radius * ZOOM) });
  const turns: Record<string, () => Orbit> = {
    ArrowLeft: () => ({ ...orbit, theta: orbit.theta - ORBIT_STEP }),
    ArrowRight: () => ({ ...orbit, theta: orbit.theta + ORBIT_STEP }),
    ArrowUp: () => ({ ...orbit, phi: Math.max(0.05, orbit.phi - ORBIT_STEP) }),
    ArrowDown: () => ({ ...orbit, phi: Math.min(Math.PI - 0.05, orbit.phi + ORBIT_STEP) }),
    '+': closer,
    '=': closer,
    '-': () => ({ ...orbit, radius: Math.min(limits.maxDistance, orbit.radius / ZOOM) }),
  };
  return turns[key]?.();
}

/**
 * A three.js view of one PLY mesh: vertex colours, orbit controls (mouse, touch and arrow keys on the focused
 * canvas), a camera fitted to the mesh, soft lighting and a shadow on the ground.
 */
export class MeshViewer {
  private readonly renderer: WebGLRenderer;
  private readonly scene = new Scene();
  private readonly camera = new PerspectiveCamera(40, 1, 0.01, 100);
  private readonly controls: OrbitControls;
  private readonly observer: ResizeObserver;
  private mesh: Mesh | undefined;
  private ground: Mesh | undefined;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.renderer = new WebGLRenderer({ canvas, antialias: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.shadowMap.enabled = true;
    this.scene.background = new Color(VIEWER_BACKGROUND);
    this.scene.add(new HemisphereLight(0xffffff, 0x8d8d8d, 2.2));
    const sun = new DirectionalLight(0xffffff, 2.0);
    sun.position.set(2, 4, 3);
    sun.castShadow = true;
    sun.shadow.mapSize.set(1024, 1024);
    sun.shadow.camera.left = -2;
    sun.shadow.camera.right = 2;
    sun.shadow.camera.top = 2;
    sun.shadow.camera.bottom = -2;
    sun.shadow.radius = 4;
    this.scene.add(sun);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = true;
    canvas.addEventListener('keydown', (event) => this.onKey(event));
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(canvas);
    this.resize();
    this.renderer.setAnimationLoop(() => {
      this.controls.update();
      this.renderer.render(this.scene, this.camera);
    });
  }

  /** Shows a PLY file (binary or ASCII) and returns its counts. */
  show(ply: ArrayBuffer): MeshCounts {
    const geometry = parsePly(ply);
    const material = new MeshStandardMaterial({
      vertexColors: geometry.getAttribute('color') !== undefined,
      roughness: 0.75,
      metalness: 0,
    });
    this.clear();
    const mesh = new Mesh(geometry, material);
    mesh.castShadow = true;
    mesh.receiveShadow = true;
    this.scene.add(mesh);
    this.mesh = mesh;
    this.fit(mesh);
    return countsOf(geometry);
  }

  /** Puts the mesh on a shadow-catching ground and the camera where the whole mesh is in view. */
  private fit(mesh: Mesh): void {
    const box = new Box3().setFromObject(mesh);
    const sphere = box.getBoundingSphere(new Sphere());
    const radius = Math.max(sphere.radius, 1e-3);
    const ground = new Mesh(new PlaneGeometry(radius * 8, radius * 8), new ShadowMaterial({ opacity: 0.22 }));
    ground.rotation.x = -Math.PI / 2;
    ground.position.set(sphere.center.x, box.min.y - radius * 0.002, sphere.center.z);
    ground.receiveShadow = true;
    this.scene.add(ground);
    this.ground = ground;
    const fit = cameraFit(radius, this.camera.fov);
    const direction = new Vector3(0.55, 0.35, 1).normalize();
    this.camera.position.copy(sphere.center).addScaledVector(direction, fit.distance);
    this.camera.near = fit.near;
    this.camera.far = fit.far;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(sphere.center);
    this.controls.minDistance = fit.minDistance;
    this.controls.maxDistance = fit.maxDistance;
    this.controls.update();
  }

  /** Arrow keys turn the view around the mesh, + and - zoom: the viewer works without a pointer. */
  private onKey(event: KeyboardEvent): void {
    const offset = this.camera.position.clone().sub(this.controls.target);
    const spherical = new Spherical().setFromVector3(offset);
    const turned = orbitByKey(spherical, event.key, this.controls);
    if (!turned) return;
    event.preventDefault();
    spherical.set(turned.radius, turned.phi, turned.theta);
    this.camera.position.copy(this.controls.target).add(new Vector3().setFromSpherical(spherical));
    this.camera.lookAt(this.controls.target);
  }

  private resize(): void {
    const width = Math.max(1, this.canvas.clientWidth);
    const height = Math.max(1, this.canvas.clientHeight);
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
  }

  private clear(): void {
    for (const object of [this.mesh, this.ground]) {
      if (!object) continue;
      this.scene.remove(object);
      object.geometry.dispose();
      (object.material as MeshStandardMaterial).dispose();
    }
    this.mesh = undefined;
    this.ground = undefined;
  }

  dispose(): void {
    this.clear();
    this.observer.disconnect();
    this.renderer.setAnimationLoop(null);
    this.controls.dispose();
    this.renderer.dispose();
  }
}

/** Whether this browser can draw WebGL at all (else the page offers the download only). */
export function webglAvailable(): boolean {
  try {
    const canvas = document.createElement('canvas');
    return canvas.getContext('webgl2') !== null || canvas.getContext('webgl') !== null;
  } catch {
    return false;
  }
}
