import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createLogger } from '@gen3d/logging';
import { createS3Client, S3ObjectStore } from '@gen3d/object-store';
import { fetchSegmentationModel, parseModelUri } from '@gen3d/sidecar';

// The container's start: the learned segmenter's model from the model bucket (moto server here, the real SDK),
// verified against its card before the worker may load it.
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true });
const store = new S3ObjectStore(createS3Client({ region: 'us-east-1', endpoint }));
const log = createLogger({ service: 'test', level: 'silent' });
const BUCKET = 'gen3d-model-bucket';
const model = Buffer.from('not really an ONNX model, but bytes with a digest');
const card = {
  name: 'isnet-medium',
  installed: {
    file: 'model.onnx',
    bytes: model.length,
    sha256: createHash('sha256').update(model).digest('hex'),
  },
};
let dir: string;

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'gen3d-models-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const put = (key: string, body: string | Buffer) =>
  s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

describe('the segmentation model in the model bucket', () => {
  it('is fetched, checked against its card, and handed to the worker', async () => {
    await put('segmentation/isnet-medium/card.json', JSON.stringify(card));
    await put('segmentation/isnet-medium/model.onnx', model);
    const cardPath = await fetchSegmentationModel(
      store,
      `s3://${BUCKET}/segmentation/isnet-medium/`,
      dir,
      log,
    );
    expect(cardPath).toBe(path.join(dir, 'isnet-medium', 'card.json'));
    expect(readFileSync(path.join(dir, 'isnet-medium', 'model.onnx')).equals(model)).toBe(true);
    expect(JSON.parse(readFileSync(cardPath as string, 'utf8'))).toEqual(card);
  });

  it('is not used when it is not the model its card describes, nor when there is none', async () => {
    await put('segmentation/tampered/card.json', JSON.stringify({ ...card, name: 'tampered' }));
    await put('segmentation/tampered/model.onnx', Buffer.concat([model.subarray(1), Buffer.from('!')]));
    expect(
      await fetchSegmentationModel(store, `s3://${BUCKET}/segmentation/tampered/`, dir, log),
    ).toBeUndefined();
    expect(
      await fetchSegmentationModel(store, `s3://${BUCKET}/segmentation/absent/`, dir, log),
    ).toBeUndefined();
    await put('segmentation/bad-card/card.json', '{"name": "../escape", "installed": {}}');
    expect(
      await fetchSegmentationModel(store, `s3://${BUCKET}/segmentation/bad-card/`, dir, log),
    ).toBeUndefined();
  });

  it('takes only an s3://bucket/prefix/ address', () => {
    expect(parseModelUri('s3://gen3d-model-bucket/segmentation/isnet-medium/')).toEqual({
      bucket: 'gen3d-model-bucket',
      prefix: 'segmentation/isnet-medium/',
    });
    for (const bad of [
      's3://b/x',
      'https://b/x/',
      's3://gen3d-model-bucket/',
      's3://gen3d-model-bucket/a//',
    ]) {
      expect(() => parseModelUri(bad)).toThrow(/not an s3/);
    }
  });
});
