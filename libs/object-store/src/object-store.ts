/** What a stored object is, without its body. */
export interface ObjectInfo {
  readonly size: number;
  readonly contentType: string | undefined;
  /** User metadata (`x-amz-meta-*`), keys lower-case. */
  readonly metadata: Record<string, string>;
  readonly eTag: string | undefined;
  readonly versionId: string | undefined;
  readonly lastModified: Date | undefined;
}

export interface PutOptions {
  readonly contentType: string;
  readonly metadata?: Record<string, string>;
  /** `'*'`: write only if no object exists under the key (a lock). */
  readonly ifNoneMatch?: '*';
  /** Write only if the current object has this ETag (compare-and-swap). */
  readonly ifMatch?: string;
}

export class ObjectMissingError extends Error {
  override readonly name = 'ObjectMissingError';
}

export class ObjectTooLargeError extends Error {
  override readonly name = 'ObjectTooLargeError';
}

/** A conditional write lost: the object exists (If-None-Match) or changed (If-Match). */
export class PreconditionFailedError extends Error {
  override readonly name = 'PreconditionFailedError';
}

/**
 * The storage port every Gen3D process uses: S3 in AWS, moto in tests, a folder in the local stack.
 * Keys come from @gen3d/s3-keys; this port never interprets them.
 */
export interface ObjectStore {
  /** `versionId` reads one version of an object in a versioned bucket (the one an event or a job names). */
  head(bucket: string, key: string, versionId?: string): Promise<ObjectInfo | undefined>;
  /** Reads a whole object, refusing (and stopping the download) past `maxBytes`. */
  get(bucket: string, key: string, maxBytes: number, versionId?: string): Promise<Uint8Array>;
  /** Reads bytes `start` to `end` inclusive (fewer if the object is shorter). */
  getRange(bucket: string, key: string, start: number, end: number, versionId?: string): Promise<Uint8Array>;
  put(
    bucket: string,
    key: string,
    body: Uint8Array | string,
    options: PutOptions,
  ): Promise<{ eTag: string | undefined }>;
  delete(bucket: string, key: string): Promise<void>;
  /**
   * A time-limited link anyone can GET the object (or one version of it) with. `expiresAt` is when it really stops
   * working: a link signed with temporary credentials (a Lambda role's) dies with them, whatever was asked.
   */
  presignGet(
    bucket: string,
    key: string,
    expiresInSeconds: number,
    versionId?: string,
  ): Promise<{ url: string; expiresAt: Date }>;
}

/** Writes a JSON document (conditional options as for `put`) and returns the new ETag. */
export async function putJson(
  store: ObjectStore,
  bucket: string,
  key: string,
  value: unknown,
  conditions: Pick<PutOptions, 'ifNoneMatch' | 'ifMatch'> = {},
): Promise<string | undefined> {
  const { eTag } = await store.put(bucket, key, JSON.stringify(value), {
    contentType: 'application/json',
    ...conditions,
  });
  return eTag;
}

/** Reads a JSON document of at most `maxBytes` (1 MiB by default); parse the result with its schema. */
export async function getJson(
  store: ObjectStore,
  bucket: string,
  key: string,
  maxBytes = 1024 * 1024,
): Promise<unknown> {
  return JSON.parse(Buffer.from(await store.get(bucket, key, maxBytes)).toString('utf8'));
}
