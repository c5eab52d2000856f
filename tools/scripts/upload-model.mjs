#!/usr/bin/env node
// Uploads the learned segmenter the set-up installed (.gen3d/models/isnet-medium: card.json and model.onnx) to the
// model bucket, where the container fetches and verifies it at start (decision 0026, docs/models.md). Uses the usual
// AWS configuration (profile, region, credentials). Checks the file against its card before sending it.
//
//   node tools/scripts/upload-model.mjs [--bucket gen3d-model-bucket] [--model isnet-medium]
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
};
const bucket = option('bucket', process.env.GEN3D_MODEL_BUCKET_NAME || 'gen3d-model-bucket');
const name = option('model', 'isnet-medium');
const dir = path.join(process.env.GEN3D_HOME || path.join(root, '.gen3d'), 'models', name);
const card = JSON.parse(readFileSync(path.join(dir, 'card.json'), 'utf8'));
const model = readFileSync(path.join(dir, card.installed.file));
if (createHash('sha256').update(model).digest('hex') !== card.installed.sha256) {
  process.stderr.write(`upload-model: ${dir} does not match its card; run the set-up again\n`);
  process.exit(2);
}
const s3 = new S3Client({});
const prefix = `segmentation/${name}/`;
await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${card.installed.file}`, Body: model }));
await s3.send(
  new PutObjectCommand({ Bucket: bucket, Key: `${prefix}card.json`, Body: JSON.stringify(card, null, 2) }),
);
process.stdout.write(`uploaded ${name} (${model.length} bytes) to s3://${bucket}/${prefix}\n`);
