import { createHash, randomUUID } from 'node:crypto';
import { ObjectMissingError, ObjectTooLargeError, PreconditionFailedError } from './errors';
import type * as Port from './object-store';

interface StoredVersion {
  readonly versionId: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly metadata: Record<string, string>;
  readonly eTag: string;
  readonly lastModified: Date;
  /** A delete marker: the key reads as missing, older versions stay readable by id. */
  readonly deleted: boolean;
}

/** What a write to the in-memory store created, as an S3 ObjectCreated event would describe it. */
export interface CreatedObjectRecord {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly eTag: string;
  readonly size: number;
}

const LINK_SCHEME = 'memory:';

/**
 * The storage port in memory, behaving like a *versioned* S3 bucket (as production's is): every write makes a new
 * version, reads by version id, delete markers, conditional writes, listings, and presigned links that
 * {@link InMemoryObjectStore.fetchLink} honours until they expire. For unit tests and in-process flow tests.
 * Buckets are created on first write.
 *
 * @example const store = new InMemoryObjectStore(); store.onCreated((o) => events.push(o));
 */
export class InMemoryObjectStore implements Port.ObjectStore {
  private readonly buckets = new Map<string, Map<string, StoredVersion[]>>();
  private readonly listeners: ((object: CreatedObjectRecord) => void)[] = [];
  private sequence = 0;
  private readonly policies = new Map<
    string,
    { bucket: string; fields: Record<string, string>; options: Port.PresignPostOptions; expiresAt: Date }
  >();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /** Calls `listener` after every successful write, as S3 event notifications would (synchronously, in order). */
  onCreated(listener: (object: CreatedObjectRecord) => void): void {
    this.listeners.push(listener);
  }

  async head(bucket: string, key: string, versionId?: string): Promise<Port.ObjectInfo | undefined> {
    const version = this.find(bucket, key, versionId);
    if (!version) return undefined;
    return {
      size: version.body.length,
      contentType: version.contentType,
      metadata: { ...version.metadata },
      eTag: version.eTag,
      versionId: version.versionId,
      lastModified: version.lastModified,
    };
  }

  async get(bucket: string, key: string, maxBytes: number, versionId?: string): Promise<Uint8Array> {
    const version = this.required(bucket, key, versionId);
    if (version.body.length > maxBytes) {
      throw new ObjectTooLargeError(
        `memory://${bucket}/${key} is ${version.body.length} bytes; the limit is ${maxBytes}`,
      );
    }
    return version.body.slice();
  }

  async getRange(
    bucket: string,
    key: string,
    start: number,
    end: number,
    versionId?: string,
  ): Promise<Uint8Array> {
    return this.required(bucket, key, versionId).body.slice(start, end + 1);
  }

  async put(
    bucket: string,
    key: string,
    body: Uint8Array | string,
    options: Port.PutOptions,
  ): Promise<Port.PutResult> {
    const current = this.find(bucket, key);
    if (options.ifNoneMatch === '*' && current) {
      throw new PreconditionFailedError(`memory://${bucket}/${key}: exists`);
    }
    if (options.ifMatch !== undefined && current?.eTag !== options.ifMatch) {
      throw new PreconditionFailedError(`memory://${bucket}/${key}: changed`);
    }
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body.slice();
    const version: StoredVersion = {
      versionId: this.nextVersionId(),
      body: bytes,
      contentType: options.contentType,
      metadata: Object.fromEntries(
        Object.entries(options.metadata ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
      ),
      eTag: `"${createHash('md5').update(bytes).digest('hex')}"`,
      lastModified: this.clock(),
      deleted: false,
    };
    this.versionsOf(bucket, key).push(version);
    const created = { bucket, key, versionId: version.versionId, eTag: version.eTag, size: bytes.length };
    for (const listener of this.listeners) listener(created);
    return { eTag: version.eTag, versionId: version.versionId };
  }

  async delete(bucket: string, key: string, versionId?: string): Promise<void> {
    if (versionId !== undefined) {
      const versions = this.versionsOf(bucket, key);
      const at = versions.findIndex((v) => v.versionId === versionId);
      if (at >= 0) versions.splice(at, 1);
      return;
    }
    if (!this.find(bucket, key)) return;
    this.versionsOf(bucket, key).push({
      versionId: this.nextVersionId(),
      body: new Uint8Array(),
      contentType: '',
      metadata: {},
      eTag: '',
      lastModified: this.clock(),
      deleted: true,
    });
  }

  async list(bucket: string, prefix: string): Promise<Port.ObjectSummary[]> {
    const objects = this.buckets.get(bucket) ?? new Map<string, StoredVersion[]>();
    return [...objects.keys()]
      .filter((key) => key.startsWith(prefix))
      .sort()
      .flatMap((key) => {
        const latest = this.find(bucket, key);
        return latest
          ? [{ key, size: latest.body.length, eTag: latest.eTag, lastModified: latest.lastModified }]
          : [];
      });
  }

  async listVersions(bucket: string, prefix: string): Promise<Port.ObjectVersionSummary[]> {
    const objects = this.buckets.get(bucket) ?? new Map<string, StoredVersion[]>();
    return [...objects.keys()]
      .filter((key) => key.startsWith(prefix))
      .sort()
      .flatMap((key) => {
        const versions = objects.get(key) ?? [];
        return versions
          .map((version, index) => ({
            key,
            versionId: version.versionId,
            size: version.body.length,
            isLatest: index === versions.length - 1,
            deleteMarker: version.deleted,
            lastModified: version.lastModified,
          }))
          .reverse();
      });
  }

  async presignGet(
    bucket: string,
    key: string,
    expiresInSeconds: number,
    versionId?: string,
  ): Promise<Port.PresignedLink> {
    const expiresAt = new Date(this.clock().getTime() + expiresInSeconds * 1000);
    const url = new URL(`${LINK_SCHEME}//${bucket}/${encodeURIComponent(key)}`);
    if (versionId) url.searchParams.set('versionId', versionId);
    url.searchParams.set('X-Amz-Expires', String(expiresInSeconds));
    url.searchParams.set('expires', expiresAt.toISOString());
    return { url: url.toString(), expiresAt };
  }

  async presignPost(
    bucket: string,
    key: string,
    options: Port.PresignPostOptions,
  ): Promise<Port.PresignedPost> {
    const expiresAt = new Date(this.clock().getTime() + options.expiresInSeconds * 1000);
    const fields: Record<string, string> = {
      key,
      'Content-Type': options.contentType,
      ...Object.fromEntries(
        Object.entries(options.metadata ?? {}).map(([name, value]) => [
          `x-amz-meta-${name.toLowerCase()}`,
          value,
        ]),
      ),
    };
    const policy = randomUUID();
    this.policies.set(policy, { bucket, fields, options, expiresAt });
    return { url: `${LINK_SCHEME}//${bucket}/`, fields: { ...fields, policy }, expiresAt };
  }

  /**
   * What a browser POST of a presigned form answers, as S3 would: 204 once stored; 403 after expiry, for a field
   * outside the policy or a value it does not allow, or a file outside its size range.
   */
  async acceptPost(
    post: Port.PresignedPost,
    file: Uint8Array,
    extra: Record<string, string> = {},
  ): Promise<{ status: 204 | 403 }> {
    const form: Record<string, string> = { ...post.fields, ...extra };
    const policy = this.policies.get(form['policy'] ?? '');
    if (!policy || !(this.clock().getTime() < policy.expiresAt.getTime())) return { status: 403 };
    const allowed = new Set([...Object.keys(policy.fields), 'policy']);
    if (Object.keys(form).some((name) => !allowed.has(name))) return { status: 403 };
    if (Object.entries(policy.fields).some(([name, value]) => form[name] !== value)) return { status: 403 };
    if (file.length < policy.options.minBytes || file.length > policy.options.maxBytes)
      return { status: 403 };
    await this.put(policy.bucket, policy.fields['key'] as string, file, {
      contentType: policy.options.contentType,
      metadata: Object.fromEntries(
        Object.entries(policy.fields)
          .filter(([name]) => name.startsWith('x-amz-meta-'))
          .map(([name, value]) => [name.slice('x-amz-meta-'.length), value]),
      ),
    });
    return { status: 204 };
  }

  /** What a GET of a presigned link answers: the body, or the status S3 would give (403 once expired, 404). */
  fetchLink(link: string): { status: 200; body: Uint8Array } | { status: 403 | 404 } {
    const url = new URL(link);
    if (url.protocol !== LINK_SCHEME) return { status: 404 };
    const expires = Date.parse(url.searchParams.get('expires') ?? '');
    if (!(this.clock().getTime() < expires)) return { status: 403 };
    const key = decodeURIComponent(url.pathname.slice(1));
    const version = this.find(url.host, key, url.searchParams.get('versionId') ?? undefined);
    return version ? { status: 200, body: version.body.slice() } : { status: 404 };
  }

  private versionsOf(bucket: string, key: string): StoredVersion[] {
    let objects = this.buckets.get(bucket);
    if (!objects) this.buckets.set(bucket, (objects = new Map()));
    let versions = objects.get(key);
    if (!versions) objects.set(key, (versions = []));
    return versions;
  }

  private find(bucket: string, key: string, versionId?: string): StoredVersion | undefined {
    const versions = this.buckets.get(bucket)?.get(key) ?? [];
    if (versionId !== undefined) {
      const version = versions.find((v) => v.versionId === versionId);
      return version?.deleted ? undefined : version;
    }
    const latest = versions[versions.length - 1];
    return latest?.deleted ? undefined : latest;
  }

  private required(bucket: string, key: string, versionId?: string): StoredVersion {
    const version = this.find(bucket, key, versionId);
    if (!version) throw new ObjectMissingError(`memory://${bucket}/${key} does not exist`);
    return version;
  }

  private nextVersionId(): string {
    this.sequence += 1;
    return `${this.sequence.toString().padStart(8, '0')}.${randomUUID().slice(0, 8)}`;
  }
}
