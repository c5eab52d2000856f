/** Choosing the picture: the file input and the drop zone, the check of its bytes, and its preview. */
import { byId, hide, show } from './dom';
import { checkPicture, HEADER_BYTES, MAX_UPLOAD_BYTES } from './picture';

/** The picture chosen and checked, with a URL of it for the preview. */
export interface ChosenPicture {
  readonly file: File;
  readonly width: number;
  readonly height: number;
  readonly url: string;
}

/** Reads the first bytes of a file and checks it: the picture's size in pixels, or why it cannot be used. */
export async function readPicture(
  file: Blob,
): Promise<{ ok: true; width: number; height: number } | { ok: false; problem: string }> {
  const head = new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer());
  return checkPicture(head, file.size, MAX_UPLOAD_BYTES);
}

/** The preview's description, for screen readers. */
export const previewAlt = (
  picture: Pick<ChosenPicture, 'width' | 'height'> & { file: { name: string } },
): string => `The picture you chose: ${picture.file.name}, ${picture.width} × ${picture.height} pixels`;

export interface PictureInput {
  /** The chosen picture, if any. */
  chosen(): ChosenPicture | undefined;
  /** Says a picture is needed, and moves the focus to the file input. */
  askForPicture(): void;
}

/**
 * Wires the file input and the drop zone. `choosing` runs when a file is picked (before it is checked), `chosen`
 * once it is shown.
 */
export function mountPictureInput(hooks: {
  choosing(): void;
  chosen(picture: ChosenPicture): void;
}): PictureInput {
  const fileInput = byId<HTMLInputElement>('file');
  const drop = byId('drop');
  const fileProblem = byId('file-problem');
  const previewBox = byId('preview-box');
  const previewImg = byId<HTMLImageElement>('preview-img');
  let chosen: ChosenPicture | undefined;

  const choose = async (file: File | undefined): Promise<void> => {
    hide(fileProblem);
    hooks.choosing();
    if (!file) return;
    const check = await readPicture(file);
    if (!check.ok) {
      chosen = undefined;
      hide(previewBox);
      show(fileProblem, check.problem);
      fileInput.value = '';
      return;
    }
    if (chosen) URL.revokeObjectURL(chosen.url);
    chosen = { file, width: check.width, height: check.height, url: URL.createObjectURL(file) };
    previewImg.src = chosen.url;
    previewImg.alt = previewAlt(chosen);
    show(previewBox);
    hooks.chosen(chosen);
  };

  fileInput.addEventListener('change', () => void choose(fileInput.files?.[0]));
  for (const type of ['dragenter', 'dragover']) {
    drop.addEventListener(type, (event) => {
      event.preventDefault();
      drop.classList.add('dragging');
    });
  }
  for (const type of ['dragleave', 'drop']) {
    drop.addEventListener(type, () => drop.classList.remove('dragging'));
  }
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    void choose((event as DragEvent).dataTransfer?.files[0]);
  });

  return {
    chosen: () => chosen,
    askForPicture: () => {
      show(fileProblem, 'Please choose a PNG picture first.');
      fileInput.focus();
    },
  };
}
