import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@gen3d/logging';
import { ObjectMissingError, type ObjectStore } from '@gen3d/object-store';
import { z } from 'zod';

/**
 * The learned segmenter's model in AWS (decision 0026, docs/models.md): the set-up's installed model, uploaded to
 * `s3://gen3d-model-bucket/segmentation/<name>/` (`card.json` and the file it names). The container fetches it at
 * start, checks the file against the card's digest, and hands the worker the card (GEN3D_SEGMENTATION_MODEL).
 * Without one, or with one that does not match its card, the worker runs the weight-free path, and its reports say so.
 */

const InstalledCardSchema = z.looseObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
  installed: z.object({
    file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/),
    bytes: z.number().int().positive(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
});

const MAX_CARD_BYTES = 64 * 1024;
/** The largest model the container takes (IS-Net medium in float32 is 176 MB). */
const MAX_MODEL_BYTES = 1024 * 1024 * 1024;

/** `s3://bucket/prefix/` → its parts. @throws Error for anything else */
export function parseModelUri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/((?:[^/]+\/)+)$/.exec(uri);
  if (!match) throw new Error(`not an s3://bucket/prefix/ address: ${uri}`);
  return { bucket: match[1] as string, prefix: match[2] as string };
}

/**
 * Fetches and verifies the model under `uri` into `dir`; answers the card's path for the worker, or undefined (with
 * one log line saying why) when there is none or it is not the model its card describes.
 *
 * @example await fetchSegmentationModel(store, 's3://gen3d-model-bucket/segmentation/isnet-medium/', '/tmp/models', log)
 */
export async function fetchSegmentationModel(
  store: ObjectStore,
  uri: string,
  dir: string,
  log: Logger,
): Promise<string | undefined> {
  const { bucket, prefix } = parseModelUri(uri);
  let card: z.output<typeof InstalledCardSchema>;
  let cardText: string;
  try {
    cardText = Buffer.from(await store.get(bucket, `${prefix}card.json`, MAX_CARD_BYTES)).toString('utf8');
    card = InstalledCardSchema.parse(JSON.parse(cardText));
  } catch (error) {
    if (error instanceof ObjectMissingError) {
      log.warn({ uri }, 'no segmentation model there: the worker runs the weight-free path');
      return undefined;
    }
    log.error(
      { uri, err: error },
      'the segmentation model card is unusable: the worker runs the weight-free path',
    );
    return undefined;
  }
  const started = Date.now();
  let model: Uint8Array;
  try {
    model = await store.get(
      bucket,
      `${prefix}${card.installed.file}`,
      Math.min(MAX_MODEL_BYTES, card.installed.bytes),
    );
  } catch (error) {
    log.error(
      { uri, err: error },
      'the segmentation model could not be read: the worker runs the weight-free path',
    );
    return undefined;
  }
  const digest = createHash('sha256').update(model).digest('hex');
  if (model.length !== card.installed.bytes || digest !== card.installed.sha256) {
    log.error({ uri, sha256: digest }, 'the segmentation model is not the one its card describes: not used');
    return undefined;
  }
  const target = path.join(dir, card.name);
  await mkdir(target, { recursive: true });
  const modelPath = path.join(target, card.installed.file);
  await writeFile(`${modelPath}.tmp`, model);
  await rename(`${modelPath}.tmp`, modelPath);
  const cardPath = path.join(target, 'card.json');
  await writeFile(cardPath, cardText);
  log.info(
    { model: card.name, bytes: model.length, ms: Date.now() - started },
    'segmentation model fetched and verified',
  );
  return cardPath;
}
