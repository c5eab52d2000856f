import type {
  ObjectInfo,
  ObjectStore,
  ObjectSummary,
  ObjectVersionSummary,
  PresignedLink,
  PutOptions,
  PutResult,
} from './object-store';

/** Conditions of a JSON write (see {@link PutOptions}). */
export type WriteConditions = Pick<PutOptions, 'ifNoneMatch' | 'ifMatch'>;

const DEFAULT_JSON_LIMIT = 1024 * 1024;

/**
 * An {@link ObjectStore} bound to one bucket: what every call site uses, so that no call passes the bucket again.
 * The bucket is chosen once, where the process is wired (a Lambda's cold start, the sidecar's main).
 *
 * @example const data = bindBucket(new S3ObjectStore(createS3Client()), config.dataBucket);
 *          await data.putJson('users/u1/jobs/0123456789abcdef/request.json', request);
 */
export class BucketStore {
  constructor(
    readonly store: ObjectStore,
    readonly bucket: string,
  ) {}

  head(key: string, versionId?: string): Promise<ObjectInfo | undefined> {
    return this.store.head(this.bucket, key, versionId);
  }

  get(key: string, maxBytes: number, versionId?: string): Promise<Uint8Array> {
    return this.store.get(this.bucket, key, maxBytes, versionId);
  }

  getRange(key: string, start: number, end: number, versionId?: string): Promise<Uint8Array> {
    return this.store.getRange(this.bucket, key, start, end, versionId);
  }

  put(key: string, body: Uint8Array | string, options: PutOptions): Promise<PutResult> {
    return this.store.put(this.bucket, key, body, options);
  }

  /** See {@link ObjectStore.delete}: with `versionId`, that version is gone for good. */
  delete(key: string, versionId?: string): Promise<void> {
    return this.store.delete(this.bucket, key, versionId);
  }

  list(prefix: string): Promise<ObjectSummary[]> {
    return this.store.list(this.bucket, prefix);
  }

  listVersions(prefix: string): Promise<ObjectVersionSummary[]> {
    return this.store.listVersions(this.bucket, prefix);
  }

  presignGet(key: string, expiresInSeconds: number, versionId?: string): Promise<PresignedLink> {
    return this.store.presignGet(this.bucket, key, expiresInSeconds, versionId);
  }

  /** Writes a JSON document (conditionally, if asked). */
  putJson(key: string, value: unknown, conditions: WriteConditions = {}): Promise<PutResult> {
    return this.put(key, JSON.stringify(value), { contentType: 'application/json', ...conditions });
  }

  /** Reads the text of a JSON document of at most `maxBytes` (1 MiB by default); parse it with its schema. */
  async getText(key: string, options: { maxBytes?: number; versionId?: string } = {}): Promise<string> {
    const bytes = await this.get(key, options.maxBytes ?? DEFAULT_JSON_LIMIT, options.versionId);
    return Buffer.from(bytes).toString('utf8');
  }

  /** `s3://bucket/key`, as SageMaker's InputLocation and log lines name an object. */
  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }
}

/** @example bindBucket(store, 'gen3d-data-bucket').head('users/u1/input/chair.png') */
export function bindBucket(store: ObjectStore, bucket: string): BucketStore {
  return new BucketStore(store, bucket);
}
