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

/** One entry of a listing (the latest version of each key). */
export interface ObjectSummary {
  readonly key: string;
  readonly size: number;
  readonly eTag: string | undefined;
  readonly lastModified: Date | undefined;
}

/**
 * One stored version of a key, as a versioned bucket lists them: an object's version, or a delete marker (which
 * hides the key without removing older versions).
 */
export interface ObjectVersionSummary {
  readonly key: string;
  readonly versionId: string;
  readonly size: number;
  /** The key's current version (a delete marker that is latest means the key reads as missing). */
  readonly isLatest: boolean;
  readonly deleteMarker: boolean;
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

/** What a write produced: the new ETag, and the new version's id in a versioned bucket. */
export interface PutResult {
  readonly eTag: string | undefined;
  readonly versionId: string | undefined;
}

/** A link anyone can GET the object with, and when it really stops working. */
export interface PresignedLink {
  readonly url: string;
  readonly expiresAt: Date;
}

/** What a presigned POST's policy fixes (S3 POST policy conditions): the form must match it exactly. */
export interface PresignPostOptions {
  readonly contentType: string;
  /** The size range of the file, in bytes (`content-length-range`). */
  readonly minBytes: number;
  readonly maxBytes: number;
  /** User metadata the form must carry exactly (`x-amz-meta-<name>` fields); no other metadata is accepted. */
  readonly metadata?: Record<string, string>;
  readonly expiresInSeconds: number;
}

/** A browser upload form: POST `fields` (in this order), then the file as `file`, to `url`. */
export interface PresignedPost {
  readonly url: string;
  readonly fields: Record<string, string>;
  readonly expiresAt: Date;
}

/**
 * The storage port every Gen3D process uses: S3 in AWS, moto in tests, a folder in the local stack, memory in unit
 * tests. It is the adapter interface, so it takes the bucket on each call; code that works in one bucket uses
 * {@link BucketStore} (`bindBucket`). Keys come from @gen3d/s3-keys; this port never interprets them.
 */
export interface ObjectStore {
  /** `versionId` reads one version of an object in a versioned bucket (the one an event or a job names). */
  head(bucket: string, key: string, versionId?: string): Promise<ObjectInfo | undefined>;
  /** Reads a whole object, refusing (and stopping the download) past `maxBytes`. */
  get(bucket: string, key: string, maxBytes: number, versionId?: string): Promise<Uint8Array>;
  /** Reads bytes `start` to `end` inclusive (fewer if the object is shorter). */
  getRange(bucket: string, key: string, start: number, end: number, versionId?: string): Promise<Uint8Array>;
  put(bucket: string, key: string, body: Uint8Array | string, options: PutOptions): Promise<PutResult>;
  /**
   * Without `versionId`: hides the key (a delete marker in a versioned bucket; older versions stay). With one: removes
   * that version (or delete marker) for good; when it was the current one, the previous version becomes current.
   */
  delete(bucket: string, key: string, versionId?: string): Promise<void>;
  /** Every key under `prefix` (all pages), in key order. */
  list(bucket: string, prefix: string): Promise<ObjectSummary[]>;
  /**
   * Every stored version and delete marker of every key under `prefix` (all pages): keys in key order, each key's
   * versions newest first. What deleting a user's data for good has to go through.
   */
  listVersions(bucket: string, prefix: string): Promise<ObjectVersionSummary[]>;
  /**
   * A time-limited link anyone can GET the object (or one version of it) with. `expiresAt` is when it really stops
   * working: a link signed with temporary credentials (a Lambda role's) dies with them, whatever was asked.
   */
  presignGet(
    bucket: string,
    key: string,
    expiresInSeconds: number,
    versionId?: string,
  ): Promise<PresignedLink>;
  /**
   * A form a browser uploads one object with, straight to the store (no credentials): its policy fixes the exact
   * key, the content type, the size range and the metadata, and expires.
   */
  presignPost(bucket: string, key: string, options: PresignPostOptions): Promise<PresignedPost>;
}
