import { ApiRequestError } from './api-client';
import { downloadMesh, extraDownloadButtons, loadMesh, meshFacts, NO_WEBGL_PROBLEM } from './result-panel';

describe('the result panel', () => {
  it('lists the facts of a mesh, and "…" for counts not known yet', () => {
    expect(
      meshFacts({
        backend: 'inflate',
        method: 'silhouette inflation (geometric, no learned model)',
        mesh: { vertices: 12345, faces: 24686, watertight: true },
      }),
    ).toEqual({
      method: 'Silhouette inflation (geometric, no learned model)',
      vertices: '12,345',
      faces: '24,686',
      closed: 'yes (watertight)',
    });
    expect(meshFacts({ backend: 'sam3d', mesh: { vertices: 1, faces: 2, watertight: false } }).closed).toBe(
      'no',
    );
    expect(meshFacts({})).toEqual({ method: 'unknown', vertices: '…', faces: '…', closed: '…' });
  });

  it('offers a button per extra file the job made, in the pipeline order (the PLY has its own)', () => {
    expect(extraDownloadButtons(['obj', 'ply', 'glb', 'bogus'])).toEqual([
      {
        id: 'download-glb',
        format: 'glb',
        text: 'Download .glb',
        title: 'glTF with colours, for web and AR viewers',
      },
      { id: 'download-obj', format: 'obj', text: 'Download .obj', title: 'most 3D tools' },
    ]);
    expect(extraDownloadButtons(undefined)).toEqual([]);
  });
});

describe('loadMesh', () => {
  const PLY = new Uint8Array([1, 2, 3]).buffer;

  function display(view: { show(ply: ArrayBuffer): { vertices: number; faces: number } } | undefined) {
    const said: string[] = [];
    const shownPly: ArrayBuffer[] = [];
    return {
      said,
      shownPly,
      open: async () =>
        view && {
          show: (ply: ArrayBuffer) => {
            shownPly.push(ply);
            return view.show(ply);
          },
        },
      shown: (counts: { vertices: number; faces: number }) =>
        said.push(`shown ${counts.vertices}/${counts.faces}`),
      problem: (text: string) => said.push(`problem ${text}`),
    };
  }

  it('draws the fetched mesh and reports what was drawn', async () => {
    const d = display({ show: () => ({ vertices: 4, faces: 2 }) });
    await loadMesh(
      async () => PLY,
      () => true,
      d,
    );
    expect(d.said).toEqual(['shown 4/2']);
    expect(d.shownPly).toEqual([PLY]);
  });

  it('draws nothing once another job is followed', async () => {
    const d = display({ show: () => ({ vertices: 4, faces: 2 }) });
    await loadMesh(
      async () => PLY,
      () => false,
      d,
    );
    expect(d.said).toEqual([]);
  });

  it('offers the download instead where the browser cannot draw 3D', async () => {
    const d = display(undefined);
    await loadMesh(
      async () => PLY,
      () => true,
      d,
    );
    expect(d.said).toEqual([`problem ${NO_WEBGL_PROBLEM}`]);
  });

  it('says in plain words why the mesh could not be shown', async () => {
    const d = display({ show: () => ({ vertices: 4, faces: 2 }) });
    await loadMesh(
      () => Promise.reject(new ApiRequestError(404, 'no-such-job', 'no')),
      () => true,
      d,
    );
    const broken = display({
      show: () => {
        throw new Error('not a PLY');
      },
    });
    await loadMesh(
      async () => PLY,
      () => true,
      broken,
    );
    expect(d.said).toEqual([
      'problem The model could not be shown: This job does not exist, or it belongs to someone else.',
    ]);
    expect(broken.said).toEqual([
      'problem The model could not be shown: The service is not reachable right now. Please try again shortly.',
    ]);
  });
});

describe('downloadMesh', () => {
  it('saves the fetched file under its name, or says why it could not', async () => {
    const saved: string[] = [];
    const problems: string[] = [];
    const file = { fileName: 'ball.glb', blob: new Blob(['glTF']) };
    await downloadMesh(
      async () => file,
      (f) => saved.push(f.fileName),
      (p) => problems.push(p),
    );
    await downloadMesh(
      () => Promise.reject(new ApiRequestError(403, 'mesh', 'HTTP 403')),
      (f) => saved.push(f.fileName),
      (p) => problems.push(p),
    );
    expect(saved).toEqual(['ball.glb']);
    expect(problems).toEqual(['The download failed: HTTP 403']);
  });
});
