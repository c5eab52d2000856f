import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { encodeEventKey } from '@gen3d/s3-keys';
import { ObjectMissingError, ObjectTooLargeError, PreconditionFailedError } from './errors';
import type * as Port from './object-store';

/**
 * The local stack's object store: one folder per bucket, `<root>/<bucket>/<key>` holding each object's current
 * content (a person can open it), and the rest under `<root>/.store/` (bucket names cannot start with a dot):
 *
 *   .store/<bucket>/<aa>/<sha256(key)>/head.json        the current version's description: the commit point
 *   .store/<bucket>/<aa>/<sha256(key)>/v/<versionId>    every version's bytes (immutable; the visible file is a link)
 *   .store/<bucket>/<aa>/<sha256(key)>/v/<versionId>.json  and its description
 *   .store/<bucket>/<aa>/<sha256(key)>/lock             held while a write decides and commits (O_EXCL)
 *   .events/<sequencer>-<random>.json                   an S3 event record per created object (as S3 emits them)
 *
 * Writes are atomic (temp file + rename: a reader sees the old version or the new one, never half of one) and
 * serialised per key across processes by the lock file, so `If-None-Match: *` and `If-Match` hold when the local
 * stack and the inference sidecar (another process) write the same folder.
 */
export interface FolderObjectStoreOptions {
  /** The data folder (the local stack's default is `.gen3d/data`). */
  readonly root: string;
  /**
   * HMAC key of presigned GET links and POST policies (the local stack keeps one in `.gen3d/signing.key`). Without
   * one the store reads and writes but cannot sign (the sidecar never signs).
   */
  readonly signingKey?: Uint8Array | string;
  /** Where the local stack serves `/s3/...` (links and POST forms point there), e.g. `http://127.0.0.1:4300`. */
  readonly publicBaseUrl?: string;
  /**
   * Which created objects get an S3 event record under `<root>/.events/`, as a bucket's notification configuration
   * says (S3 sends events only for configured prefixes and suffixes): every object by default, none with `false`.
   */
  readonly emitEvents?: boolean | ((bucket: string, key: string) => boolean);
  readonly region?: string;
  readonly now?: () => Date;
}

/** A presigned link or POST form that is malformed, altered or expired: the local stack answers 403. */
export class PresignedRequestError extends Error {
  override readonly name = 'PresignedRequestError';

  constructor(
    readonly reason: 'malformed' | 'bad-signature' | 'expired' | 'policy-violated',
    message: string,
  ) {
    super(message);
  }
}

/** A key the folder cannot hold: `..`, empty segments, or a file where the key needs a folder (and vice versa). */
export class FolderKeyError extends Error {
  override readonly name = 'FolderKeyError';
}

interface StoredVersion {
  readonly key: string;
  readonly versionId: string;
  readonly size: number;
  readonly eTag: string;
  readonly contentType: string | undefined;
  readonly metadata: Record<string, string>;
  readonly lastModified: string;
}

const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 15_000;
const POLICY_FIELDS = new Set(['policy', 'x-gen3d-signature', 'file']);

let sequence = 0n;

/** ObjectStore on a folder: the local stack and its sidecar share one (see the layout above). */
export class FolderObjectStore implements Port.ObjectStore {
  readonly root: string;
  private readonly signingKey: Buffer | undefined;
  private readonly baseUrl: string;
  private readonly emitEvents: (bucket: string, key: string) => boolean;
  private readonly region: string;
  private readonly now: () => Date;
  /** In-process queue per key, in front of the cross-process lock file. */
  private readonly local = new Map<string, Promise<unknown>>();
  /** Folders this process created or saw: a put does not ask the file system again. */
  private readonly folders = new Set<string>();

  constructor(options: FolderObjectStoreOptions) {
    this.root = path.resolve(options.root);
    this.signingKey = options.signingKey === undefined ? undefined : Buffer.from(options.signingKey);
    if (this.signingKey && this.signingKey.length < 16)
      throw new Error('the signing key must be at least 16 bytes');
    this.baseUrl = (options.publicBaseUrl ?? 'http://127.0.0.1').replace(/\/+$/, '');
    const emit = options.emitEvents ?? true;
    this.emitEvents = typeof emit === 'function' ? emit : () => emit;
    this.region = options.region ?? 'us-east-1';
    this.now = options.now ?? (() => new Date());
  }

  /** Where S3-style event records of created objects are journalled (one JSON file each). */
  get eventsDir(): string {
    return path.join(this.root, '.events');
  }

  async head(bucket: string, key: string, versionId?: string): Promise<Port.ObjectInfo | undefined> {
    const version = await this.readVersion(bucket, key, versionId);
    return version && toInfo(version);
  }

  async get(bucket: string, key: string, maxBytes: number, versionId?: string): Promise<Uint8Array> {
    const version = await this.readVersion(bucket, key, versionId);
    if (!version) throw new ObjectMissingError(`${bucket}/${key} does not exist`);
    if (version.size > maxBytes) {
      throw new ObjectTooLargeError(`${bucket}/${key} is ${version.size} bytes; the limit is ${maxBytes}`);
    }
    return fs.readFile(this.bodyPath(bucket, key, version.versionId));
  }

  async getRange(
    bucket: string,
    key: string,
    start: number,
    end: number,
    versionId?: string,
  ): Promise<Uint8Array> {
    const version = await this.readVersion(bucket, key, versionId);
    if (!version) throw new ObjectMissingError(`${bucket}/${key} does not exist`);
    const length = Math.max(0, Math.min(end, version.size - 1) - start + 1);
    if (length === 0) return new Uint8Array();
    const file = await fs.open(this.bodyPath(bucket, key, version.versionId), 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, start);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  async put(
    bucket: string,
    key: string,
    body: Uint8Array | string,
    options: Port.PutOptions,
  ): Promise<Port.PutResult> {
    return this.write(bucket, key, body, options, 'ObjectCreated:Put');
  }

  /**
   * Without `versionId`, the key is hidden (head.json and the visible file go; the versions stay, as behind an S3
   * delete marker). With one, that version's bytes go for good; when it was current, the newest remaining version
   * becomes current again, and with none left the key's folder goes too.
   */
  async delete(bucket: string, key: string, versionId?: string): Promise<void> {
    const visible = this.visiblePath(bucket, key);
    const dir = this.keyDir(bucket, key);
    await this.withKeyLock(bucket, key, async () => {
      if (versionId === undefined) {
        await fs.rm(path.join(dir, 'head.json'), { force: true });
        await fs.rm(visible, { force: true });
        return;
      }
      if (!/^[A-Za-z0-9._-]{1,128}$/.test(versionId)) return;
      const body = this.bodyPath(bucket, key, versionId);
      await Promise.all([fs.rm(body, { force: true }), fs.rm(`${body}.json`, { force: true })]);
      const [previous] = await this.versionsIn(dir);
      if (!previous) {
        // The last version went: the key's folder goes too (its lock file with it; the lock's release ignores that).
        await fs.rm(visible, { force: true });
        await fs.rm(dir, { recursive: true, force: true });
        this.folders.clear();
        return;
      }
      const head = await readJson<StoredVersion>(path.join(dir, 'head.json'));
      if (head?.versionId !== versionId) return;
      await this.showVersion(bucket, previous);
      await writeAtomically(path.join(dir, 'head.json'), JSON.stringify(previous));
    });
  }

  /**
   * Every version of every key under `prefix`, from the version store (deleted keys included: their versions stay
   * until deleted by id), newest first per key. It reads every key's folder of the bucket: an operator's tool.
   */
  async listVersions(bucket: string, prefix: string): Promise<Port.ObjectVersionSummary[]> {
    const store = path.join(this.root, '.store', path.basename(this.bucketDir(bucket)));
    const out: Port.ObjectVersionSummary[] = [];
    for (const shard of await readdirOrEmpty(store)) {
      for (const hash of await readdirOrEmpty(path.join(store, shard))) {
        const dir = path.join(store, shard, hash);
        const versions = await this.versionsIn(dir);
        if (versions.length === 0 || !(versions[0] as StoredVersion).key.startsWith(prefix)) continue;
        const head = await readJson<StoredVersion>(path.join(dir, 'head.json'));
        for (const version of versions) {
          out.push({
            key: version.key,
            versionId: version.versionId,
            size: version.size,
            isLatest: head?.versionId === version.versionId,
            deleteMarker: false,
            lastModified: new Date(version.lastModified),
          });
        }
      }
    }
    return out.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  /** The versions stored in a key's folder, newest first (version ids sort by time). */
  private async versionsIn(dir: string): Promise<StoredVersion[]> {
    const names = (await readdirOrEmpty(path.join(dir, 'v'))).filter((n) => n.endsWith('.json'));
    const versions = await Promise.all(names.map((n) => readJson<StoredVersion>(path.join(dir, 'v', n))));
    return versions
      .filter((v): v is StoredVersion => v !== undefined)
      .sort((a, b) => (a.versionId < b.versionId ? 1 : a.versionId > b.versionId ? -1 : 0));
  }

  /** Makes the key's visible file a link to this version's bytes (swapped in by rename). */
  private async showVersion(bucket: string, version: StoredVersion): Promise<void> {
    const visible = this.visiblePath(bucket, version.key);
    await this.ensureDir(path.dirname(visible));
    const temp = path.join(path.dirname(visible), `.gen3d-tmp-${randomBytes(6).toString('hex')}`);
    await fs.link(this.bodyPath(bucket, version.key, version.versionId), temp);
    await fs.rename(temp, visible).catch(async (error: unknown) => {
      await fs.rm(temp, { force: true });
      throw error;
    });
  }

  /** Objects whose key starts with `prefix`, in key order (UTF-8 byte order, as S3 lists). */
  async list(bucket: string, prefix: string): Promise<Port.ObjectSummary[]> {
    const bucketDir = this.bucketDir(bucket);
    const slash = prefix.lastIndexOf('/');
    const startDir = slash < 0 ? bucketDir : path.join(bucketDir, ...splitKey(prefix.slice(0, slash)));
    const keys: string[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isCode(error, 'ENOENT', 'ENOTDIR')) return;
        throw error;
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.gen3d-tmp-')) continue;
        const key = `${keyPrefix}${entry.name}`;
        if (entry.isDirectory()) {
          if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`))
            await walk(path.join(dir, entry.name), `${key}/`);
        } else if (key.startsWith(prefix)) keys.push(key);
      }
    };
    await walk(startDir, slash < 0 ? '' : prefix.slice(0, slash + 1));
    keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const listed = await Promise.all(
      keys.map(async (key): Promise<Port.ObjectSummary | undefined> => {
        const version = await this.readVersion(bucket, key);
        return version
          ? { key, size: version.size, eTag: version.eTag, lastModified: new Date(version.lastModified) }
          : undefined;
      }),
    );
    return listed.filter((item): item is Port.ObjectSummary => item !== undefined);
  }

  /**
   * A link the local stack serves (`GET /s3/{bucket}/{key}`), signed with HMAC-SHA256 over the method, bucket, key,
   * version and expiry: it works until `expiresAt` and not after, and not at all once any part of it is changed.
   */
  async presignGet(
    bucket: string,
    key: string,
    expiresInSeconds: number,
    versionId?: string,
  ): Promise<Port.PresignedLink> {
    const expires = Math.floor(this.now().getTime() / 1000) + expiresInSeconds;
    const params = new URLSearchParams();
    if (versionId) params.set('versionId', versionId);
    params.set('X-Gen3D-Expires', String(expires));
    params.set('X-Gen3D-Signature', this.sign(['GET', bucket, key, versionId ?? '', String(expires)]));
    return {
      url: `${this.baseUrl}/s3/${encodeURIComponent(bucket)}/${encodeKeyPath(key)}?${params.toString()}`,
      expiresAt: new Date(expires * 1000),
    };
  }

  /**
   * Checks a presigned GET link's query (the local stack's `/s3/{bucket}/{key}` route calls this before serving).
   * @returns the version the link names, if any.
   * @throws PresignedRequestError when the link is malformed, altered or expired.
   */
  verifyGetLink(bucket: string, key: string, query: URLSearchParams): { versionId: string | undefined } {
    const expires = query.get('X-Gen3D-Expires');
    const signature = query.get('X-Gen3D-Signature');
    if (!expires || !signature || !/^\d{1,12}$/.test(expires)) {
      throw new PresignedRequestError('malformed', 'the link is not a signed link');
    }
    const versionId = query.get('versionId') ?? undefined;
    if (!this.checkSignature(['GET', bucket, key, versionId ?? '', expires], signature)) {
      throw new PresignedRequestError('bad-signature', 'the link was altered or signed with another key');
    }
    if (Number(expires) * 1000 <= this.now().getTime()) {
      throw new PresignedRequestError(
        'expired',
        `the link expired at ${new Date(Number(expires) * 1000).toISOString()}`,
      );
    }
    return { versionId };
  }

  /**
   * A browser upload form in S3's shape: `fields` (key, Content-Type, x-amz-meta-*, Policy, X-Gen3D-Signature) then
   * the file, POSTed to `/s3/{bucket}`. The policy fixes the exact key, content type, metadata and size range.
   */
  async presignPost(
    bucket: string,
    key: string,
    options: Port.PresignPostOptions,
  ): Promise<Port.PresignedPost> {
    const expiresAt = new Date(this.now().getTime() + options.expiresInSeconds * 1000);
    const metadataFields = Object.fromEntries(
      Object.entries(options.metadata ?? {}).map(([name, value]) => [
        `x-amz-meta-${name.toLowerCase()}`,
        value,
      ]),
    );
    const conditions: unknown[] = [
      { bucket },
      ['eq', '$key', key],
      ['eq', '$Content-Type', options.contentType],
      ['content-length-range', options.minBytes, options.maxBytes],
      ...Object.entries(metadataFields).map(([name, value]) => ['eq', `$${name}`, value]),
    ];
    const policy = Buffer.from(JSON.stringify({ expiration: expiresAt.toISOString(), conditions })).toString(
      'base64',
    );
    return {
      url: `${this.baseUrl}/s3/${encodeURIComponent(bucket)}`,
      fields: {
        key,
        'Content-Type': options.contentType,
        ...metadataFields,
        Policy: policy,
        'X-Gen3D-Signature': this.sign(['POST', policy]),
      },
      expiresAt,
    };
  }

  /**
   * Checks a browser POST form's fields before its file is read: the signature, the expiry and every condition of
   * the policy but the file's size, and that no field is outside it (as S3 does). Answers the size range the policy
   * allows, which the reader enforces while the file arrives.
   * @throws PresignedRequestError (403) when anything does not match.
   */
  checkPostPolicy(bucket: string, form: ReadonlyMap<string, string>): { minBytes: number; maxBytes: number } {
    const fields = new Map([...form].map(([name, value]) => [name.toLowerCase(), value]));
    const policyText = fields.get('policy');
    const signature = fields.get('x-gen3d-signature');
    if (!policyText || !signature)
      throw new PresignedRequestError('malformed', 'the form has no signed policy before its file');
    if (!this.checkSignature(['POST', policyText], signature)) {
      throw new PresignedRequestError('bad-signature', 'the policy was altered or signed with another key');
    }
    const policy = JSON.parse(Buffer.from(policyText, 'base64').toString('utf8')) as {
      expiration: string;
      conditions: unknown[];
    };
    if (Date.parse(policy.expiration) <= this.now().getTime()) {
      throw new PresignedRequestError('expired', `the upload form expired at ${policy.expiration}`);
    }
    const covered = new Set<string>();
    let range = { minBytes: 0, maxBytes: Number.MAX_SAFE_INTEGER };
    for (const condition of policy.conditions) {
      if (Array.isArray(condition) && condition[0] === 'content-length-range') {
        const [, min, max] = condition as [string, number, number];
        range = { minBytes: min, maxBytes: max };
      } else if (Array.isArray(condition) && condition[0] === 'eq') {
        const name = String(condition[1]).replace(/^\$/, '').toLowerCase();
        covered.add(name);
        if (fields.get(name) !== condition[2]) {
          throw new PresignedRequestError('policy-violated', `the field ${name} does not match the policy`);
        }
      } else if (condition && typeof condition === 'object' && 'bucket' in condition) {
        if ((condition as { bucket: string }).bucket !== bucket) {
          throw new PresignedRequestError('policy-violated', 'the form is for another bucket');
        }
      }
    }
    for (const name of fields.keys()) {
      if (!POLICY_FIELDS.has(name) && !covered.has(name) && !name.startsWith('x-ignore-')) {
        throw new PresignedRequestError('policy-violated', `the field ${name} is not allowed by the policy`);
      }
    }
    return range;
  }

  /**
   * Accepts a browser POST upload (the local stack's `POST /s3/{bucket}` route): the form's policy (checkPostPolicy)
   * and the file's size, then stores the file.
   * @throws PresignedRequestError (403) when anything does not match.
   */
  async acceptPost(
    bucket: string,
    form: ReadonlyMap<string, string>,
    file: Uint8Array,
  ): Promise<{ key: string; eTag: string; versionId: string }> {
    const { minBytes, maxBytes } = this.checkPostPolicy(bucket, form);
    if (file.length < minBytes || file.length > maxBytes) {
      throw new PresignedRequestError(
        'policy-violated',
        `the file is ${file.length} bytes; the policy allows ${minBytes} to ${maxBytes}`,
      );
    }
    const fields = new Map([...form].map(([name, value]) => [name.toLowerCase(), value]));
    const key = fields.get('key') as string;
    const metadata = Object.fromEntries(
      [...fields]
        .filter(([name]) => name.startsWith('x-amz-meta-'))
        .map(([name, value]) => [name.slice(11), value]),
    );
    const contentType = fields.get('content-type') ?? 'application/octet-stream';
    const { eTag, versionId } = await this.write(
      bucket,
      key,
      file,
      { contentType, metadata },
      'ObjectCreated:Post',
    );
    return { key, eTag, versionId };
  }

  private async write(
    bucket: string,
    key: string,
    body: Uint8Array | string,
    options: Port.PutOptions,
    eventName: string,
  ): Promise<{ eTag: string; versionId: string }> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const visible = this.visiblePath(bucket, key);
    const dir = this.keyDir(bucket, key);
    const written = await this.withKeyLock(bucket, key, async () => {
      const current = await readJson<StoredVersion>(path.join(dir, 'head.json'));
      if (options.ifNoneMatch === '*' && current) {
        throw new PreconditionFailedError(`${bucket}/${key}: exists`);
      }
      if (options.ifMatch !== undefined && (!current || unquote(current.eTag) !== unquote(options.ifMatch))) {
        throw new PreconditionFailedError(`${bucket}/${key}: changed`);
      }
      const version: StoredVersion = {
        key,
        versionId: newVersionId(this.now()),
        size: bytes.length,
        eTag: `"${createHash('md5').update(bytes).digest('hex')}"`,
        contentType: options.contentType,
        metadata: Object.fromEntries(
          Object.entries(options.metadata ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
        ),
        lastModified: this.now().toISOString(),
      };
      const body = this.bodyPath(bucket, key, version.versionId);
      await this.ensureDir(path.dirname(body));
      // A new version's files are written in place: nothing names them until head.json does.
      await Promise.all([fs.writeFile(body, bytes), fs.writeFile(`${body}.json`, JSON.stringify(version))]);
      // The readable copy: a hard link to the version's bytes, swapped in by rename.
      try {
        await this.ensureDir(path.dirname(visible));
        const temp = path.join(path.dirname(visible), `.gen3d-tmp-${randomBytes(6).toString('hex')}`);
        await fs.link(body, temp);
        await fs.rename(temp, visible).catch(async (error: unknown) => {
          await fs.rm(temp, { force: true });
          throw error;
        });
      } catch (error) {
        if (isCode(error, 'ENOTDIR', 'EISDIR', 'EEXIST')) {
          throw new FolderKeyError(
            `${bucket}/${key}: a folder and a file of the data folder would share a name`,
          );
        }
        throw error;
      }
      // The commit point: from this rename on, head/get return the new version.
      await writeAtomically(path.join(dir, 'head.json'), JSON.stringify(version));
      return version;
    });
    if (this.emitEvents(bucket, key)) await this.journal(bucket, written, eventName);
    return { eTag: written.eTag, versionId: written.versionId };
  }

  /** Writes the S3 event record of a created object, as S3 would send it (key URL-encoded, `+` for spaces). */
  private async journal(bucket: string, version: StoredVersion, eventName: string): Promise<void> {
    sequence += 1n;
    const sequencer = (BigInt(Date.parse(version.lastModified)) * 1_000_000n + (sequence % 1_000_000n))
      .toString(16)
      .toUpperCase()
      .padStart(20, '0');
    const record = {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: this.region,
      eventTime: version.lastModified,
      eventName,
      userIdentity: { principalId: 'gen3d-local' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: {
        'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
        'x-amz-id-2': randomBytes(24).toString('base64'),
      },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'gen3d-local',
        bucket: {
          name: bucket,
          ownerIdentity: { principalId: 'gen3d-local' },
          arn: `arn:aws:s3:::${bucket}`,
        },
        object: {
          key: encodeEventKey(version.key),
          size: version.size,
          eTag: unquote(version.eTag),
          versionId: version.versionId,
          sequencer,
        },
      },
    };
    const file = path.join(this.eventsDir, `${sequencer}-${randomBytes(4).toString('hex')}.json`);
    await this.ensureDir(path.join(this.eventsDir, '.tmp'));
    await writeAtomically(file, JSON.stringify(record), path.join(this.eventsDir, '.tmp'));
  }

  /**
   * Where a person finds an object's bytes on disk: the key's visible file while `versionId` is the current version
   * (or none is named), else that version's own immutable file.
   */
  async pathOf(bucket: string, key: string, versionId?: string): Promise<string> {
    if (versionId === undefined) return this.visiblePath(bucket, key);
    const current = await this.readVersion(bucket, key);
    if (current?.versionId === versionId) return this.visiblePath(bucket, key);
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(versionId)) throw new FolderKeyError('not a version id');
    return this.bodyPath(bucket, key, versionId);
  }

  private async readVersion(
    bucket: string,
    key: string,
    versionId?: string,
  ): Promise<StoredVersion | undefined> {
    const dir = this.keyDir(bucket, key);
    if (versionId !== undefined) {
      if (!/^[A-Za-z0-9._-]{1,128}$/.test(versionId)) return undefined;
      return readJson<StoredVersion>(path.join(dir, 'v', `${versionId}.json`));
    }
    return readJson<StoredVersion>(path.join(dir, 'head.json'));
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.folders.has(dir)) return;
    await fs.mkdir(dir, { recursive: true });
    this.folders.add(dir);
  }

  private bucketDir(bucket: string): string {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
      throw new FolderKeyError(`not a bucket name: ${JSON.stringify(bucket)}`);
    }
    return path.join(this.root, bucket);
  }

  private visiblePath(bucket: string, key: string): string {
    return path.join(this.bucketDir(bucket), ...splitKey(key));
  }

  private keyDir(bucket: string, key: string): string {
    splitKey(key);
    const hash = createHash('sha256').update(key).digest('hex');
    return path.join(this.root, '.store', path.basename(this.bucketDir(bucket)), hash.slice(0, 2), hash);
  }

  private bodyPath(bucket: string, key: string, versionId: string): string {
    return path.join(this.keyDir(bucket, key), 'v', versionId);
  }

  private sign(parts: readonly string[]): string {
    if (!this.signingKey)
      throw new Error('this folder store has no signing key: it cannot sign links or forms');
    return createHmac('sha256', this.signingKey).update(parts.join('\n')).digest('base64url');
  }

  private checkSignature(parts: readonly string[], signature: string): boolean {
    const expected = Buffer.from(this.sign(parts));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /**
   * Runs `fn` holding the key's lock: first this process's queue for the key, then the lock file, taken with O_EXCL
   * (one winner across processes). A lock whose holder died (its pid is gone, or it is older than 30 s) is broken.
   */
  private async withKeyLock<T>(bucket: string, key: string, fn: () => Promise<T>): Promise<T> {
    const dir = this.keyDir(bucket, key);
    const previous = this.local.get(dir) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(async () => {
        const locked = async () => {
          await this.ensureDir(dir);
          const lock = path.join(dir, 'lock');
          await acquireLockFile(lock);
          try {
            return await fn();
          } finally {
            await fs.rm(lock, { force: true });
          }
        };
        try {
          return await locked();
        } catch (error) {
          // A folder this process remembered was removed under it (the data folder was reset): once more.
          if (!isCode(error, 'ENOENT')) throw error;
          this.folders.clear();
          return locked();
        }
      });
    this.local.set(dir, run);
    try {
      return await run;
    } finally {
      if (this.local.get(dir) === run) this.local.delete(dir);
    }
  }
}

async function acquireLockFile(lock: string): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await fs.writeFile(lock, `${process.pid} ${Date.now()}`, { flag: 'wx' });
      return;
    } catch (error) {
      if (!isCode(error, 'EEXIST')) throw error;
    }
    const held = await fs.readFile(lock, 'utf8').catch(() => '');
    const [pid, since] = held.split(' ').map(Number);
    if (held && ((pid !== undefined && !isAlive(pid)) || Date.now() - (since ?? 0) > LOCK_STALE_MS)) {
      await fs.rm(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lock}`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(20, 1 + attempt)));
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isCode(error, 'EPERM');
  }
}

/** Key → path segments; refuses what a folder cannot hold faithfully. */
function splitKey(key: string): string[] {
  const segments = key.split('/');
  if (
    key.length === 0 ||
    Buffer.byteLength(key) > 1024 ||
    key.includes('\0') ||
    segments.some(
      (s) => s === '' || s === '.' || s === '..' || Buffer.byteLength(s) > 255 || s.startsWith('.gen3d-tmp-'),
    )
  ) {
    throw new FolderKeyError(`the data folder cannot hold the key ${JSON.stringify(key)}`);
  }
  return segments;
}

function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

async function writeAtomically(
  file: string,
  data: Uint8Array | string,
  tempDir = path.dirname(file),
): Promise<void> {
  const temp = path.join(tempDir, `.gen3d-tmp-${randomBytes(6).toString('hex')}`);
  try {
    await fs.writeFile(temp, data);
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if (isCode(error, 'ENOENT', 'ENOTDIR')) return [];
    throw error;
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (error) {
    if (isCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}

function toInfo(version: StoredVersion): Port.ObjectInfo {
  return {
    size: version.size,
    contentType: version.contentType,
    metadata: { ...version.metadata },
    eTag: version.eTag,
    versionId: version.versionId,
    lastModified: new Date(version.lastModified),
  };
}

/** Time-ordered and unique: milliseconds, then randomness (S3's version ids are opaque strings too). */
function newVersionId(now: Date): string {
  return `${now.getTime().toString(36).padStart(9, '0')}.${randomBytes(9).toString('base64url')}`;
}

function unquote(eTag: string): string {
  return eTag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}
