/**
 * The upload form: the address, the options, and the upload itself (a grant from the API, then the file straight
 * to storage). What is sent is decided by pure functions; {@link mountUploadForm} wires them to the form.
 */
import {
  postFile,
  toApiRequestError,
  type ApiClient,
  type SessionStore,
  type UploadGrant,
  type UploadRequest,
} from './api-client';
import { byId, checkedValue, checkedValues, hide, show } from './dom';
import { emailProblem } from './form';
import { outputsForUpload } from './outputs';
import type { ChosenPicture, PictureInput } from './picture-input';
import { apiProblem } from './progress';
import { promptsForUpload, type Prompts } from './prompts';

/** Where the last address used is kept, to fill the form in next time. */
export const EMAIL_KEY = 'gen3d.email';

/** The form's fields as the user left them. */
export interface UploadFormValues {
  readonly email: string;
  readonly quality: string;
  /** The chosen shape; "auto" is the worker's own choice. */
  readonly shape: string | undefined;
  /** The checked file formats. */
  readonly formats: readonly string[];
  readonly smaller: boolean;
}

/** The shape field of the request: "auto" (the worker's own choice) is sent as nothing. */
export function shapeForUpload(shape: string | undefined): { shape?: string } {
  return shape && shape !== 'auto' ? { shape } : {};
}

/** The body of `POST /uploads` for this picture, these fields and these prompts. */
export function uploadRequest(
  file: { readonly name: string; readonly size: number },
  values: UploadFormValues,
  prompts: Prompts,
): UploadRequest {
  return {
    fileName: file.name,
    size: file.size,
    email: values.email.trim(),
    quality: values.quality,
    ...shapeForUpload(values.shape),
    ...promptsForUpload(prompts),
    ...outputsForUpload(values.formats, values.smaller),
  };
}

/** What the page says after an upload whose address is not confirmed yet (nothing once it is). */
export function confirmationNote(address: UploadGrant['address'], email: string): string | undefined {
  if (address.confirmed) return undefined;
  return address.confirmation === 'sent'
    ? `We sent a confirmation link to ${email.trim()}. Results are emailed only after you open it once; until then, follow your picture here.`
    : `Your address is not confirmed yet: results are emailed only once you open the confirmation link we sent. Follow your picture here.`;
}

/** Asks for a grant and posts the file with it, reporting the upload's progress in whole percent. */
export async function sendPicture(
  api: Pick<ApiClient, 'requestUpload'>,
  post: typeof postFile,
  request: UploadRequest,
  file: Blob,
  onPercent: (percent: number) => void,
): Promise<UploadGrant> {
  const grant = await api.requestUpload(request);
  await post(grant.upload, file, (fraction) => onPercent(Math.round(fraction * 100)));
  return grant;
}

export interface UploadFormDeps {
  readonly api: Pick<ApiClient, 'requestUpload'>;
  readonly storage: Pick<SessionStore, 'getItem' | 'setItem'>;
  readonly picture: PictureInput;
  readonly prompts: () => Prompts;
  /** The picture is in storage: follow its job (`sent` is what was asked for, of which picture). */
  uploaded(
    grant: UploadGrant,
    fileName: string,
    startedAt: number,
    sent: { readonly request: UploadRequest; readonly picture: ChosenPicture },
  ): void;
}

/** The form's notes and problems, also used by the confirmation link (they sit under the form). */
export interface UploadMessages {
  note(text: string): void;
  problem(text: string): void;
  hideProblem(): void;
}

/**
 * The address field: filled in with the last address used, checked when it is left (an empty field is not
 * scolded until the form is sent). `accepted` checks it on sending: else it says why and takes the focus.
 */
function mountEmailField(storage: UploadFormDeps['storage']): {
  input: HTMLInputElement;
  accepted(): boolean;
} {
  const input = byId<HTMLInputElement>('email');
  const problemEl = byId('email-problem');
  input.value = storage.getItem(EMAIL_KEY) ?? '';
  input.addEventListener('blur', () => {
    if (input.value.trim() === '') return;
    const problem = emailProblem(input.value);
    if (problem) show(problemEl, problem);
    else hide(problemEl);
  });
  const accepted = (): boolean => {
    const problem = emailProblem(input.value);
    if (problem) {
      show(problemEl, problem);
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return false;
    }
    input.removeAttribute('aria-invalid');
    hide(problemEl);
    return true;
  };
  return { input, accepted };
}

/** The form's fields as they stand now. */
function readForm(email: HTMLInputElement): UploadFormValues {
  return {
    email: email.value,
    quality: byId<HTMLSelectElement>('quality').value,
    shape: checkedValue('shape'),
    formats: checkedValues('format'),
    smaller: byId<HTMLInputElement>('smaller').checked,
  };
}

export function mountUploadForm(deps: UploadFormDeps): UploadMessages {
  const email = mountEmailField(deps.storage);
  const submit = byId<HTMLButtonElement>('submit');
  const uploadProgress = byId('upload-progress');
  const uploadBar = byId<HTMLProgressElement>('upload-bar');
  const uploadProblem = byId('upload-problem');
  const uploadNote = byId('upload-note');

  const upload = async (): Promise<void> => {
    hide(uploadProblem);
    hide(uploadNote);
    const chosen = deps.picture.chosen();
    if (!chosen) return deps.picture.askForPicture();
    if (!email.accepted()) return;
    deps.storage.setItem(EMAIL_KEY, email.input.value.trim());
    submit.disabled = true;
    uploadBar.value = 0;
    show(uploadProgress);
    try {
      const request = uploadRequest(chosen.file, readForm(email.input), deps.prompts());
      const grant = await sendPicture(deps.api, postFile, request, chosen.file, (p) => (uploadBar.value = p));
      const startedAt = Date.now();
      const note = confirmationNote(grant.address, email.input.value);
      if (note) show(uploadNote, note);
      deps.uploaded(grant, chosen.file.name, startedAt, { request, picture: chosen });
    } catch (error) {
      const e = toApiRequestError(error);
      show(uploadProblem, apiProblem(e.status, e.code, e.message));
    } finally {
      submit.disabled = false;
      hide(uploadProgress);
    }
  };

  byId('upload-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void upload();
  });

  return {
    note: (text) => show(uploadNote, text),
    problem: (text) => show(uploadProblem, text),
    hideProblem: () => hide(uploadProblem),
  };
}
