import {
  parseInferenceRequest,
  parseJobOptions,
  parseUploadMetadata,
  parseWorkerReport,
  uploadMetadataFor,
  type MeshFile,
} from './index';
import { jobReportOf } from './testing';

describe('job options of issue 12 (prompts, formats, decimation)', () => {
  it('reads every new metadata field into typed options', () => {
    expect(
      parseUploadMetadata({
        formats: 'ply,glb, STL',
        'target-faces': '20000',
        box: '10,20,300,400',
        points: '120,48,1;5,5,0',
        point: '7,8',
      }),
    ).toEqual({
      formats: ['ply', 'glb', 'stl'],
      'target-faces': 20000,
      box: { x0: 10, y0: 20, x1: 300, y1: 400 },
      points: [
        { x: 120, y: 48, label: 1 },
        { x: 5, y: 5, label: 0 },
      ],
      point: { x: 7, y: 8 },
    });
  });

  it('always makes the PLY: it is put first when the list leaves it out', () => {
    expect(parseUploadMetadata({ formats: 'glb,3mf' }).formats).toEqual(['ply', 'glb', '3mf']);
    expect(parseUploadMetadata({ formats: 'obj,ply' }).formats).toEqual(['obj', 'ply']);
    expect(parseJobOptions({ formats: ['stl'] }).formats).toEqual(['ply', 'stl']);
  });

  it.each([
    [{ formats: 'glb,fbx' }, /formats/],
    [{ formats: 'glb,glb' }, /a format is named twice/],
    [{ formats: '' }, /expected formats separated by commas/],
    [{ formats: 'ply;glb' }, /expected formats separated by commas/],
    [{ 'target-faces': '99' }, /target-faces/],
    [{ 'target-faces': '5000001' }, /target-faces/],
    [{ 'target-faces': '1e4' }, /expected a whole number of faces/],
    [{ box: '10,20,5,400' }, /x1 > x0 and y1 > y0/],
    [{ box: '10,20,30' }, /expected "x0,y0,x1,y1"/],
    [{ points: '1,2,3' }, /expected "x,y,label/],
    [{ points: '1,2' }, /expected "x,y,label/],
    [{ points: Array.from({ length: 65 }, () => '1,1,1').join(';') }, /at most 64 points/],
    [{ point: '-1,2' }, /expected "x,y"/],
  ])('refuses %j with a message that names the problem', (metadata, message) => {
    expect(() => parseUploadMetadata(metadata)).toThrow(message);
  });

  it('writes the metadata strings it reads back (the CLI, the local stack and the web API use it)', () => {
    const options = {
      quality: 'fast' as const,
      point: { x: 1, y: 2 },
      points: [
        { x: 3, y: 4, label: 1 as const },
        { x: 5, y: 6, label: 0 as const },
      ],
      box: { x0: 0, y0: 0, x1: 10, y1: 10 },
      formats: ['glb' as const, 'stl' as const],
      targetFaces: 5000,
      shape: 'revolve' as const,
    };
    const metadata = uploadMetadataFor(options);
    expect(metadata).toEqual({
      quality: 'fast',
      point: '1,2',
      points: '3,4,1;5,6,0',
      box: '0,0,10,10',
      formats: 'glb,stl',
      'target-faces': '5000',
      shape: 'revolve',
    });
    expect(parseUploadMetadata(metadata)).toMatchObject({
      points: options.points,
      box: options.box,
      formats: ['ply', 'glb', 'stl'],
      'target-faces': 5000,
      shape: 'revolve',
    });
    expect(() => parseUploadMetadata({ shape: 'cube' })).toThrow(/shape/);
    expect(uploadMetadataFor({})).toEqual({});
    expect(() => uploadMetadataFor({ targetFaces: 10 })).toThrow(/target-faces/);
  });

  it('carries the new options in the inference request, strictly', () => {
    const request = {
      version: 1,
      jobId: 'a1b2c3d4e5f6',
      userId: 'u1',
      input: { bucket: 'gen3d-data-bucket', key: 'users/u1/input/chair.png' },
      options: {
        formats: ['ply', 'glb'],
        targetFaces: 3000,
        box: { x0: 1, y0: 1, x1: 9, y1: 9 },
        points: [{ x: 2, y: 2, label: 0 }],
      },
      requestedAt: '2026-11-27T04:00:00Z',
    };
    expect(parseInferenceRequest(request).options).toMatchObject(request.options);
    expect(() =>
      parseInferenceRequest({
        ...request,
        options: { ...request.options, points: [{ x: 1, y: 1, label: 2 }] },
      }),
    ).toThrow(/points/);
    expect(() => parseInferenceRequest({ ...request, options: { task: 'mask' } })).toThrow(/task/);
  });

  it("reads the worker's new report fields, and tolerates fields it does not know", () => {
    const report = parseWorkerReport({
      backend: 'inflate',
      method: 'silhouette inflation (geometric, no learned model)',
      image: { width: 1024, height: 1024, mode: 'RGB 8-bit' },
      mask: {
        source: 'segmentation',
        area: 301234,
        grid: [224, 224],
        hypothesis: 'saliency-shadowless',
        score: 1.42,
        hypotheses: { border: 1.01, saliency: 1.38, 'saliency-shadowless': 1.42 },
      },
      mesh: {
        vertices: 1502,
        faces: 3000,
        watertight: true,
        bytes: 61868,
        formats: { ply: 61868, glb: 67128, usdz: 1 },
        decimation: { targetFaces: 3000, originalFaces: 59824, applied: true, note: 'quadric decimation' },
      },
      timingsMs: { decode: 20.1, decimate: 120, total: 440.4 },
      somethingNew: { x: 1 },
    });
    expect(report.mask).toMatchObject({ hypothesis: 'saliency-shadowless', score: 1.42 });
    expect(report.mesh.formats).toEqual({ ply: 61868, glb: 67128, usdz: 1 });
    expect(report.mesh.decimation?.applied).toBe(true);
  });

  it('lists the mesh files in the job report', () => {
    const files: MeshFile[] = [
      { format: 'glb', key: 'users/u1/output/chair.glb', bytes: 10, versionId: 'v1' },
      { format: 'ply', key: 'users/u1/output/chair.ply', bytes: 20 },
    ];
    const report = jobReportOf({
      jobId: 'a1b2c3d4e5f6',
      input: { bucket: 'gen3d-data-bucket', key: 'users/u1/input/chair.png' },
      output: { bucket: 'gen3d-data-bucket', meshKey: 'users/u1/output/chair.ply', bytes: 20, files },
    });
    expect(report.output.files).toEqual(files);
  });
});
