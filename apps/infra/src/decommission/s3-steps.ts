import {
  CopyObjectCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  type S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { NOT_USER_DATA_PREFIXES } from './plan';

export class ExportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExportError';
  }
}

export interface ExportSummary {
  readonly objects: number;
  readonly bytes: number;
}

async function* currentObjects(s3: S3Client, bucket: string): AsyncGenerator<_Object> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) yield object;
    token = page.NextContinuationToken;
  } while (token);
}

const isUserData = (key: string) => !NOT_USER_DATA_PREFIXES.some((prefix) => key.startsWith(prefix));

/** `s3://bucket/prefix/` → its parts; anything else is a folder. */
function parseTarget(to: string): { bucket: string; prefix: string } | { folder: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(to);
  if (!match) return { folder: resolve(to) };
  const prefix = match[2] ?? '';
  return {
    bucket: match[1] as string,
    prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
  };
}

/** The file a key is written to, inside the folder whatever the key holds (`..` segments cannot climb out). */
function fileFor(folder: string, key: string): string {
  const file = resolve(folder, ...key.split('/').map((part) => (part === '..' || part === '.' ? '_' : part)));
  if (!file.startsWith(folder + sep))
    throw new ExportError(`key ${JSON.stringify(key)} leaves the export folder`);
  return file;
}

/**
 * Seed §20 item 1: copies the current version of every user object of the data bucket (all but the web site's
 * files) to a folder or another bucket, then checks the copy: same count, same bytes. Throws before anything is
 * deleted when the copy is short.
 */
export async function exportUserData(s3: S3Client, bucket: string, to: string): Promise<ExportSummary> {
  const target = parseTarget(to);
  // Into the bucket being exported, the copies would be listed and copied again, then deleted with the bucket.
  if ('bucket' in target && target.bucket === bucket) {
    throw new ExportError(`the export must go outside ${bucket}, which is emptied and deleted afterwards`);
  }
  let objects = 0;
  let bytes = 0;
  let copiedBytes = 0;
  for await (const object of currentObjects(s3, bucket)) {
    const key = object.Key as string;
    if (!isUserData(key)) continue;
    objects += 1;
    bytes += object.Size ?? 0;
    if ('folder' in target) {
      const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const data = await (
        body.Body as { transformToByteArray(): Promise<Uint8Array> }
      ).transformToByteArray();
      const file = fileFor(target.folder, key);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, data);
      copiedBytes += data.byteLength;
    } else {
      await s3.send(
        new CopyObjectCommand({
          Bucket: target.bucket,
          Key: `${target.prefix}${key}`,
          CopySource: `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
        }),
      );
      copiedBytes += object.Size ?? 0;
    }
  }
  if ('bucket' in target) copiedBytes = await exportedBytes(s3, target.bucket, target.prefix);
  if (copiedBytes !== bytes) {
    throw new ExportError(`the export holds ${copiedBytes} bytes, the bucket ${bytes}: nothing was deleted`);
  }
  return { objects, bytes };
}

async function exportedBytes(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  let total = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) total += object.Size ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  return total;
}

/** Seed §20 item 2: no more events from the data bucket. */
export async function removeNotifications(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(
    new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: {} }),
  );
}

/** Seed §20 item 8: every version and delete marker, 1000 at a time, then the bucket. */
export async function emptyAndDeleteBucket(s3: S3Client, bucket: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await s3
      .send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }))
      .catch((error: unknown) =>
        (error as Error).name === 'NoSuchBucket' ? undefined : Promise.reject(error),
      );
    if (!page) return deleted; // already gone (a rerun)
    const entries = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key as string,
      VersionId: v.VersionId,
    }));
    if (entries.length === 0) break;
    const result = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: entries, Quiet: true } }),
    );
    if (result.Errors?.length) {
      throw new Error(
        `could not delete ${result.Errors.length} versions in ${bucket}: ${result.Errors[0]?.Code}`,
      );
    }
    deleted += entries.length;
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  return deleted;
}
