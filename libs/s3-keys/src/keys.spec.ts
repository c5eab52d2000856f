import fc from 'fast-check';
import { InvalidKeyError, type InvalidKeyReason } from './errors';
import { decodeEventKey, encodeEventKey } from './event-key';
import {
  buildFailureKey,
  buildInputKey,
  buildJobDocumentKey,
  buildJobIndexKey,
  buildMaskKey,
  buildOutputKey,
  buildRejectedKey,
  buildReportKey,
  outputKeysFor,
  parseDataBucketKey,
  parseInputKey,
  parseJobDocumentKey,
  parseModelArtifactKey,
  parseOutputKey,
  RETAINED_PREFIXES,
} from './keys';
import { buildAddressKey, buildApiUserKey, MAIL_BUDGET_KEY, userJobsPrefix } from './api-keys';

function reasonOf(fn: () => unknown): InvalidKeyReason {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidKeyError) return error.reason;
    throw error;
  }
  throw new Error('expected an InvalidKeyError, nothing was thrown');
}

describe('decodeEventKey', () => {
  it('turns + into spaces and decodes percent escapes, as S3 events encode keys', () => {
    const key = decodeEventKey('users/u1/input/my+photo+%281%29.png');
    expect(key).toBe('users/u1/input/my photo (1).png');
    expect(parseInputKey(key).name).toBe('my photo (1)');
  });

  it('keeps a literal plus sign, which S3 encodes as %2B', () => {
    expect(parseInputKey(decodeEventKey('users/u1/input/a%2Bb+c.png')).name).toBe('a+b c');
  });

  it('decodes percent signs and Unicode', () => {
    expect(decodeEventKey('users/u1/input/100%25+caf%C3%A9.png')).toBe('users/u1/input/100% café.png');
  });

  it('refuses malformed escapes with a typed error', () => {
    expect(reasonOf(() => decodeEventKey('users/u1/input/%E0%A4%A.png'))).toBe('malformed-encoding');
  });
});

describe('parseDataBucketKey', () => {
  it.each([
    ['users/u1/input/../x.png', 'traversal'],
    ['users/../input/x.png', 'traversal'],
    ['users/u1/input/./x.png', 'traversal'],
    ['/users/u1/input/x.png', 'leading-slash'],
    ['users//input/x.png', 'empty-segment'],
    ['users/u1/input/a\\..\\b.png', 'backslash'],
    ['users/u1/input/a\u0000b.png', 'control-character'],
    ['users/u1/input/evil\u202egnp.png', 'control-character'],
    ['uploads/u1/input/x.png', 'foreign-prefix'],
    ['users/u1/secret/x.png', 'foreign-prefix'],
    ['users/u.1/input/x.png', 'bad-user-id'],
    ['users/u1/input/x.jpg', 'bad-extension'],
    ['users/u1/input/x.PNG', 'bad-extension'],
    ['users/u1/input/.png', 'bad-extension'],
    ['users/u1/input/sub/x.png', 'bad-shape'],
    ['users/u1/input/ x.png', 'bad-name'],
    ['', 'empty'],
    [`users/u1/input/${'a'.repeat(201)}.png`, 'bad-name'],
    [`users/u1/input/${'é'.repeat(600)}.png`, 'too-long'],
  ] as const)('rejects %j (%s)', (key, reason) => {
    expect(reasonOf(() => parseDataBucketKey(key))).toBe(reason);
  });

  it('rejects a key that climbs out of the user prefix after decoding', () => {
    expect(reasonOf(() => parseInputKey(decodeEventKey('users/u1/input/..%2F..%2Fu2%2Finput%2Fx.png')))).toBe(
      'traversal',
    );
  });

  it.each([
    ['users/u1/output/chair.ply', { kind: 'output', name: 'chair' }],
    ['users/u1/output/chair.report.json', { kind: 'report', name: 'chair' }],
    ['users/u1/output/chair.failure.json', { kind: 'failure', name: 'chair' }],
    [
      'users/u1/jobs/0123456789abcdef/request.json',
      { kind: 'job-document', jobId: '0123456789abcdef', document: 'request' },
    ],
    ['sagemaker-output/abc-123.out', { kind: 'sagemaker-output', inferenceId: 'abc-123' }],
    ['sagemaker-output/failures/abc-123-error.out', { kind: 'sagemaker-failure', inferenceId: 'abc-123' }],
    ['users/u1/masks/chair.png', { kind: 'mask', name: 'chair' }],
    ['public/index.html', { kind: 'public', path: 'index.html' }],
  ])('parses %j as a key of its kind', (key, expected) => {
    expect(parseDataBucketKey(key)).toMatchObject(expected);
  });

  it('parses the keys outside the user prefixes: rejected uploads, the job index, model artifacts', () => {
    expect(parseDataBucketKey(buildRejectedKey('0123456789abcdef'))).toEqual({
      kind: 'rejected',
      key: 'rejected/0123456789abcdef.failure.json',
      jobId: '0123456789abcdef',
      document: 'failure',
    });
    expect(parseDataBucketKey(buildRejectedKey('0123456789abcdef', 'notify-lock'))).toMatchObject({
      key: 'rejected/0123456789abcdef.notify.lock',
      document: 'notify-lock',
    });
    expect(parseDataBucketKey(buildJobIndexKey('0123456789abcdef'))).toEqual({
      kind: 'job-index',
      key: 'jobs/0123456789abcdef.json',
      jobId: '0123456789abcdef',
    });
    expect(reasonOf(() => buildJobIndexKey('../etc'))).toBe('bad-job-id');
    expect(reasonOf(() => parseDataBucketKey('jobs/0123456789abcdef.txt'))).toBe('bad-extension');
    expect(parseModelArtifactKey('sam3d-model/checkpoints/pipeline.yaml')).toMatchObject({
      section: 'checkpoints',
      path: 'pipeline.yaml',
    });
    expect(reasonOf(() => parseModelArtifactKey('other/checkpoints/x'))).toBe('foreign-prefix');
  });

  it('says which kind it expected when the kind is wrong', () => {
    expect(() => parseOutputKey('users/u1/input/chair.png')).toThrow(
      /expected a key of kind "output", got one of kind "input"/,
    );
    expect(() => parseJobDocumentKey('users/u1/jobs/0123456789abcdef/other.json')).toThrow(InvalidKeyError);
  });

  it('normalises names to NFC but keeps the exact stored key for reading the object', () => {
    const decomposed = 'users/u1/input/cafe\u0301.png';
    const parsed = parseInputKey(decomposed);
    expect(parsed.name).toBe('caf\u00e9');
    expect(parsed.key).toBe(decomposed);
    expect(buildOutputKey(parsed)).toBe('users/u1/output/caf\u00e9.ply');
  });
});

describe('builders', () => {
  it('derives every output key from the parsed input', () => {
    const input = parseInputKey('users/u1/input/my photo.png');
    expect(outputKeysFor(input)).toEqual({
      mesh: 'users/u1/output/my photo.ply',
      report: 'users/u1/output/my photo.report.json',
      failure: 'users/u1/output/my photo.failure.json',
    });
  });

  it('refuses to build keys from unsafe parts', () => {
    expect(reasonOf(() => buildOutputKey({ userId: '../u2', name: 'x' }))).toBe('bad-user-id');
    expect(reasonOf(() => buildOutputKey({ userId: 'u1', name: '../x' }))).toBe('bad-name');
    expect(reasonOf(() => buildJobDocumentKey({ userId: 'u1', jobId: 'UPPER', document: 'status' }))).toBe(
      'bad-job-id',
    );
  });
});

describe('retained prefixes', () => {
  const retained = (key: string) => RETAINED_PREFIXES.some((prefix) => key.startsWith(prefix));

  it('hold every file of a job: upload, mask, results, documents and its index entry', () => {
    const object = { userId: 'u1', name: 'chair' };
    const jobId = '0123456789abcdef';
    const keys = [
      buildInputKey(object),
      buildMaskKey(object),
      ...Object.values(outputKeysFor(parseInputKey(buildInputKey(object)))),
      buildJobDocumentKey({ userId: 'u1', jobId, document: 'status' }),
      userJobsPrefix('u1'),
      buildJobIndexKey(jobId),
    ];
    expect(keys.filter((key) => !retained(key))).toEqual([]);
  });

  it('hold neither the site, the web API’s documents, rejected uploads nor SageMaker’s output', () => {
    const keys = [
      'public/index.html',
      buildApiUserKey('u1'),
      buildAddressKey('a'.repeat(64)),
      MAIL_BUDGET_KEY,
      buildRejectedKey('0123456789abcdef', 'failure'),
      'sagemaker-output/x.out',
    ];
    expect(keys.filter(retained)).toEqual([]);
  });
});

// Names users could type: any Unicode text without separators or controls, trimmed.
const nameArbitrary = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .map((s) => s.normalize('NFC'))
  .filter((s) => {
    try {
      buildInputKey({ userId: 'u', name: s });
      return true;
    } catch {
      return false;
    }
  });
const userIdArbitrary = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/);
const jobIdArbitrary = fc.stringMatching(/^[a-z0-9][a-z0-9-]{7,63}$/);

describe('properties', () => {
  it('build then parse round-trips for every user key kind (10,000 generated keys)', () => {
    fc.assert(
      fc.property(userIdArbitrary, nameArbitrary, (userId, name) => {
        for (const [build, kind] of [
          [buildInputKey, 'input'],
          [buildOutputKey, 'output'],
          [buildReportKey, 'report'],
          [buildFailureKey, 'failure'],
          [buildMaskKey, 'mask'],
        ] as const) {
          const key = build({ userId, name });
          const parsed = parseDataBucketKey(key);
          expect(parsed).toEqual({ kind, key, userId, name });
          expect(build(parsed as { userId: string; name: string })).toBe(key);
        }
      }),
      { numRuns: 2_500 },
    );
  });

  it('survives the trip through an S3 event notification', () => {
    fc.assert(
      fc.property(userIdArbitrary, nameArbitrary, (userId, name) => {
        const key = buildInputKey({ userId, name });
        expect(parseInputKey(decodeEventKey(encodeEventKey(key)))).toMatchObject({ userId, name, key });
      }),
      { numRuns: 1_000 },
    );
  });

  it('round-trips job document keys', () => {
    fc.assert(
      fc.property(
        userIdArbitrary,
        jobIdArbitrary,
        fc.constantFrom('request', 'status', 'extract-lock', 'notify-lock' as const),
        (userId, jobId, document) => {
          const key = buildJobDocumentKey({ userId, jobId, document });
          expect(parseJobDocumentKey(key)).toEqual({ kind: 'job-document', key, userId, jobId, document });
        },
      ),
    );
  });

  it('never throws anything but InvalidKeyError, whatever the input', () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'users',
        'input',
        'output',
        'jobs',
        'public',
        'sagemaker-output',
        'failures',
        '..',
        '.',
        '',
        'u1',
      ),
      fc.string({ unit: 'binary', maxLength: 12 }),
    );
    const keyish = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.array(segment, { maxLength: 6 }).map((parts) => parts.join('/')),
      fc.array(segment, { maxLength: 6 }).map((parts) => `${parts.join('/')}.png`),
    );
    fc.assert(
      fc.property(keyish, (key) => {
        for (const parse of [
          (k: string) => parseDataBucketKey(k),
          (k: string) => parseDataBucketKey(decodeEventKey(k)),
        ]) {
          try {
            parse(key);
          } catch (error) {
            if (!(error instanceof InvalidKeyError)) throw error;
          }
        }
      }),
      { numRuns: 5_000 },
    );
  });
});
