import { InvalidKeyError } from '@gen3d/s3-keys';
import batch from './fixtures/s3-batch-mixed.json';
import putInput from './fixtures/s3-put-input.json';
import {
  DocumentParseError,
  JOB_ERRORS,
  parseCreatedObject,
  parseFailureDocument,
  parseInferenceRequest,
  parseInferenceRequestJson,
  parseS3EventEnvelope,
  parseUploadMetadata,
  parseWorkerReport,
  userMessageFor,
} from './index';

describe('S3 event notifications', () => {
  it('parses a real-shaped ObjectCreated:Put record and decodes its key', () => {
    const [record] = parseS3EventEnvelope(putInput).Records;
    expect(parseCreatedObject(record)).toEqual({
      bucket: 'gen3d-data-bucket',
      key: 'users/u1/input/my photo (1).png',
      size: 48213,
      eTag: '0f343b0931126a20f133d67c2b018a3b',
      versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
      sequencer: '0055AED6DCD90281E5',
      eventName: 'ObjectCreated:Put',
      eventTime: '2026-11-26T12:00:00.000Z',
    });
  });

  it('parses each record of a batch on its own: one bad record does not hide the good ones', () => {
    const results = parseS3EventEnvelope(batch).Records.map((record) => {
      try {
        return parseCreatedObject(record).key;
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(results[0]).toBe('users/u1/input/café 100%.png');
    expect(results[1]).toMatch(/invalid S3 event record: s3\.bucket: /);
    expect(results[2]).toMatch(/not an ObjectCreated event: ObjectRemoved:Delete/);
  });

  it('refuses an envelope without records', () => {
    expect(() => parseS3EventEnvelope({ Records: [] })).toThrow(DocumentParseError);
    expect(() => parseS3EventEnvelope('nope')).toThrow(/invalid S3 event notification: \(root\)/);
  });

  it('reports a malformed key encoding as an InvalidKeyError', () => {
    const record = structuredClone(putInput.Records[0]) as (typeof putInput.Records)[0];
    record.s3.object.key = 'users/u1/input/%E0%A4%A.png';
    expect(() => parseCreatedObject(record)).toThrow(InvalidKeyError);
  });
});

describe('job documents', () => {
  const request = {
    version: 1,
    jobId: '9f86d081884c7d65',
    userId: 'u1',
    input: { bucket: 'gen3d-data-bucket', key: 'users/u1/input/chair.png', eTag: '"abc"' },
    options: {},
    requestedAt: '2026-11-26T12:00:00.000Z',
  };

  it('fills option defaults in an inference request', () => {
    expect(parseInferenceRequest(request).options).toEqual({ backend: 'inflate', quality: 'standard' });
  });

  it('names every problem of a bad request with its path', () => {
    const error = (() => {
      try {
        parseInferenceRequest({ ...request, userId: '../u2', options: { backend: 'magic', extra: 1 } });
      } catch (e) {
        return e as DocumentParseError;
      }
      throw new Error('expected a DocumentParseError');
    })();
    expect(error).toBeInstanceOf(DocumentParseError);
    expect(error.issues.map((i) => i.path.join('.'))).toEqual(
      expect.arrayContaining(['userId', 'options.backend', 'options']),
    );
    expect(error.message).toMatch(/userId: invalid S3 key/);
  });

  it('turns broken JSON into the same error type', () => {
    expect(() => parseInferenceRequestJson('{"version":')).toThrow(
      /invalid inference request: \(root\): not JSON/,
    );
  });

  it('parses upload metadata, including the point prompt, and keeps unknown metadata', () => {
    expect(parseUploadMetadata({ email: 'a@example.com', point: '120,48', other: 'x' })).toEqual({
      email: 'a@example.com',
      point: { x: 120, y: 48 },
      other: 'x',
    });
    expect(() => parseUploadMetadata({ email: 'not-an-address' })).toThrow(/email/);
    expect(() => parseUploadMetadata({ point: '1;2' })).toThrow(/expected "x,y"/);
  });

  it('accepts a failure document and refuses an unknown error type', () => {
    const failure = {
      version: 1,
      userId: 'u1',
      input: { bucket: 'gen3d-data-bucket', key: 'users/u1/input/chair.png' },
      stage: 'validation',
      error: { type: 'NotAPngError', message: 'starts with FF D8 FF (JPEG)' },
      retryable: false,
      failedAt: '2026-11-26T12:00:00Z',
    };
    expect(parseFailureDocument(failure).error.type).toBe('NotAPngError');
    expect(() => parseFailureDocument({ ...failure, error: { type: 'Oops', message: '' } })).toThrow(
      /error\.type/,
    );
  });

  it('parses the report shape the Python worker writes', () => {
    const report = parseWorkerReport({
      backend: 'inflate',
      method: 'silhouette inflation (no learned model)',
      image: { width: 512, height: 512, mode: 'RGBA' },
      mask: { source: 'alpha', area: 10234 },
      mesh: { vertices: 1000, faces: 1996, watertight: true },
      timingsMs: { decode: 3.2, mask: 1.1 },
    });
    expect(report.mesh.watertight).toBe(true);
  });

  it('has a user message for every error type', () => {
    for (const type of Object.keys(JOB_ERRORS) as (keyof typeof JOB_ERRORS)[]) {
      expect(userMessageFor(type).length).toBeGreaterThan(10);
    }
  });
});
