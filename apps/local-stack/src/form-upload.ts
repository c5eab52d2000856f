import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import type { FolderObjectStore } from '@gen3d/object-store';
import { HttpError } from './http-errors';

const MAX_FIELDS = 64;
const MAX_FIELD_BYTES = 16 * 1024;

/**
 * Reads a browser's POST upload form (S3's shape: the fields, then the file) as it arrives, and stores the file.
 * The signed policy is checked from the fields before any byte of the file is taken; the file's bytes are counted
 * as they arrive and the upload stops past the policy's (and the stack's) limit, whatever Content-Length says or
 * when there is none (chunked). Nothing but the one file is kept in memory.
 *
 * @throws HttpError 400 (not a form), 403 (PresignedRequestError: outside the policy), 413 (too large)
 */
export function receiveFormUpload(
  req: IncomingMessage,
  store: FolderObjectStore,
  bucket: string,
  maxUploadBytes: number,
): Promise<{ key: string; eTag: string; versionId: string }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES, files: 1, parts: MAX_FIELDS + 1 },
      });
    } catch (error) {
      reject(new HttpError(400, `not a multipart form: ${(error as Error).message}`));
      return;
    }
    const fields = new Map<string, string>();
    let file: Buffer | undefined;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      reject(error);
    };
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated || info.nameTruncated)
        fail(new HttpError(400, `the form field ${name} is too long`));
      else fields.set(name, value);
    });
    parser.on('file', (name, stream) => {
      if (name !== 'file') {
        stream.resume();
        return fail(new HttpError(400, `unexpected file field ${JSON.stringify(name)}`));
      }
      let limit: number;
      try {
        limit = Math.min(store.checkPostPolicy(bucket, fields).maxBytes, maxUploadBytes);
      } catch (error) {
        stream.resume();
        return fail(error);
      }
      const chunks: Buffer[] = [];
      let total = 0;
      stream.on('data', (chunk: Buffer) => {
        if (failed) return;
        total += chunk.length;
        if (total > limit) {
          chunks.length = 0;
          fail(new HttpError(413, `the upload is larger than ${limit} bytes`));
        } else chunks.push(chunk);
      });
      stream.on('end', () => {
        if (!failed) file = Buffer.concat(chunks, total);
      });
    });
    parser.on('filesLimit', () => fail(new HttpError(400, 'the form has more than one file')));
    parser.on('fieldsLimit', () => fail(new HttpError(400, 'the form has too many fields')));
    parser.on('partsLimit', () => fail(new HttpError(400, 'the form has too many parts')));
    parser.on('error', (error: Error) => fail(new HttpError(400, `not a multipart form: ${error.message}`)));
    parser.on('close', () => {
      if (failed) return;
      if (!file) return fail(new HttpError(400, 'the form has no file field'));
      store.acceptPost(bucket, fields, file).then(resolve, fail);
    });
    req.on('error', fail);
    req.pipe(parser);
  });
}
