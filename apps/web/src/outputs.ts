/** The files a job makes (formats, size) and how the result view offers them. Pure. */

/** The formats the pipeline makes (MESH_FORMATS of @gen3d/s3-keys); the PLY always. */
export const FORMATS = ['ply', 'glb', 'stl', '3mf', 'obj'] as const;
export type Format = (typeof FORMATS)[number];

/** The face count of "a smaller file for the web" (about 1 MB of GLB instead of ~4 MB). */
export const WEB_TARGET_FACES = 50_000;

/** What each format is for, in the words of the form and of the download buttons. */
export const FORMAT_INFO: Readonly<Record<Format, { readonly name: string; readonly use: string }>> = {
  ply: { name: 'PLY', use: 'always made; Blender, MeshLab' },
  glb: { name: 'GLB', use: 'glTF with colours, for web and AR viewers' },
  stl: { name: 'STL', use: '3D printing, no colour' },
  '3mf': { name: '3MF', use: '3D printing, with colour' },
  obj: { name: 'OBJ', use: 'most 3D tools' },
};

const isFormat = (value: string): value is Format => (FORMATS as readonly string[]).includes(value);

/**
 * The output fields of POST /uploads from the form: `formats` only when something besides the PLY is chosen (the
 * PLY first, each once, in the pipeline's order), `targetFaces` when a smaller file is asked for.
 */
export function outputsForUpload(
  checked: readonly string[],
  smaller: boolean,
): { formats?: Format[]; targetFaces?: number } {
  const chosen = FORMATS.filter((f) => f !== 'ply' && checked.includes(f));
  return {
    ...(chosen.length > 0 ? { formats: ['ply', ...chosen] } : {}),
    ...(smaller ? { targetFaces: WEB_TARGET_FACES } : {}),
  };
}

/** The formats a finished job offers for download: what its view lists (known ones, PLY first), else the PLY. */
export function downloadableFormats(formats: readonly string[] | undefined): Format[] {
  const known = new Set((formats ?? []).filter(isFormat));
  known.add('ply');
  return FORMATS.filter((f) => known.has(f));
}

/** The one line shown when the job's result email waits for the address's confirmation (only when the API says so). */
export function emailNotice(email: string | undefined): string | undefined {
  if (email !== 'held') return undefined;
  return 'The result email is waiting for your address to be confirmed: open the confirmation link we sent, and it is sent at once.';
}
