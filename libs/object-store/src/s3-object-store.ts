import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ObjectMissingError, ObjectTooLargeError, PreconditionFailedError } from './errors';
import type * as Port from './object-store';

/**
 * How long a link signed with session credentials that do not say when they expire can be promised to work. AWS does
 * not document how long a Lambda role's session lasts; an hour is what decision 0009 trusted it for.
 */
export const UNDATED_SESSION_LINK_SECONDS = 3600;

/**
 * An S3 client for this process: `AWS_ENDPOINT_URL` (or the given endpoint) points it at moto or another
 * S3-compatible server, with path-style addressing.
 */
export function createS3Client(
  options: {
    region?: string;
    /** Unset: AWS_ENDPOINT_URL, else AWS's own. */
    endpoint?: string | undefined;
    maxAttempts?: number;
    credentials?: S3ClientConfig['credentials'];
  } = {},
): S3Client {
  const endpoint = options.endpoint ?? process.env['AWS_ENDPOINT_URL'];
  const config: S3ClientConfig = {
    region: options.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
    maxAttempts: options.maxAttempts ?? 4,
    // Reads may stop early (size limits): validate response checksums only when asked for.
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  return new S3Client(config);
}

/** ObjectStore on the AWS SDK v3 S3 client. */
export class S3ObjectStore implements Port.ObjectStore {
  constructor(private readonly client: S3Client) {}

  async head(bucket: string, key: string, versionId?: string): Promise<Port.ObjectInfo | undefined> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
      );
      return {
        size: out.ContentLength ?? 0,
        contentType: out.ContentType,
        metadata: out.Metadata ?? {},
        eTag: out.ETag,
        versionId: out.VersionId,
        lastModified: out.LastModified,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async get(bucket: string, key: string, maxBytes: number, versionId?: string): Promise<Uint8Array> {
    const controller = new AbortController();
    let out;
    try {
      out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }), {
        abortSignal: controller.signal,
      });
    } catch (error) {
      if (isNotFound(error))
        throw new ObjectMissingError(`s3://${bucket}/${key} does not exist`, { cause: error });
      throw error;
    }
    const body = out.Body as AsyncIterable<Uint8Array> & {
      on?: (event: string, listener: () => void) => void;
    };
    // Stopping a download early makes the body stream fail: that failure is expected, not unhandled.
    body.on?.('error', () => undefined);
    if ((out.ContentLength ?? 0) > maxBytes) {
      controller.abort();
      throw new ObjectTooLargeError(
        `s3://${bucket}/${key} is ${out.ContentLength} bytes; the limit is ${maxBytes}`,
      );
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of body) {
      total += chunk.length;
      if (total > maxBytes) {
        controller.abort();
        throw new ObjectTooLargeError(`s3://${bucket}/${key} is larger than the limit of ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, total);
  }

  async getRange(
    bucket: string,
    key: string,
    start: number,
    end: number,
    versionId?: string,
  ): Promise<Uint8Array> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          Range: `bytes=${start}-${end}`,
          VersionId: versionId,
        }),
      );
      return await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
    } catch (error) {
      if (isNotFound(error))
        throw new ObjectMissingError(`s3://${bucket}/${key} does not exist`, { cause: error });
      // An empty object has no satisfiable range.
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 416)
        return new Uint8Array();
      throw error;
    }
  }

  async put(
    bucket: string,
    key: string,
    body: Uint8Array | string,
    options: Port.PutOptions,
  ): Promise<Port.PutResult> {
    try {
      const out = await this.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: options.contentType,
          Metadata: options.metadata,
          IfNoneMatch: options.ifNoneMatch,
          IfMatch: options.ifMatch,
        }),
      );
      return { eTag: out.ETag, versionId: out.VersionId };
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412) {
        throw new PreconditionFailedError(
          `s3://${bucket}/${key}: ${options.ifNoneMatch ? 'exists' : 'changed'}`,
          { cause: error },
        );
      }
      // S3 answers If-Match on a key that does not exist with 404: the object does not have that ETag either.
      if (options.ifMatch !== undefined && isNotFound(error)) {
        throw new PreconditionFailedError(`s3://${bucket}/${key}: gone`, { cause: error });
      }
      throw error;
    }
  }

  async delete(bucket: string, key: string, versionId?: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  }

  async listVersions(bucket: string, prefix: string): Promise<Port.ObjectVersionSummary[]> {
    const out: Port.ObjectVersionSummary[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      const entries = [
        ...(page.Versions ?? []).map((v) => ({ ...v, deleteMarker: false, size: v.Size ?? 0 })),
        ...(page.DeleteMarkers ?? []).map((m) => ({ ...m, deleteMarker: true, size: 0 })),
      ];
      for (const entry of entries) {
        if (entry.Key === undefined) continue;
        out.push({
          key: entry.Key,
          versionId: entry.VersionId ?? 'null',
          size: entry.size,
          isLatest: entry.IsLatest ?? false,
          deleteMarker: entry.deleteMarker,
          lastModified: entry.LastModified,
        });
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
    return sortVersions(out);
  }

  async list(bucket: string, prefix: string): Promise<Port.ObjectSummary[]> {
    const out: Port.ObjectSummary[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        out.push({ key: item.Key, size: item.Size ?? 0, eTag: item.ETag, lastModified: item.LastModified });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /**
   * Signed for at most what the credentials can be trusted for: until their `expiration` where they state one; a
   * session without one (a Lambda role's: its environment gives no AWS_CREDENTIAL_EXPIRATION) for at most
   * UNDATED_SESSION_LINK_SECONDS, so `expiresAt` is never later than the link can work.
   */
  async presignGet(
    bucket: string,
    key: string,
    expiresInSeconds: number,
    versionId?: string,
  ): Promise<Port.PresignedLink> {
    const credentials = await this.client.config.credentials();
    const seconds =
      credentials.sessionToken && !credentials.expiration
        ? Math.min(expiresInSeconds, UNDATED_SESSION_LINK_SECONDS)
        : expiresInSeconds;
    const url = await getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
      { expiresIn: seconds },
    );
    const asked = new Date(Date.now() + seconds * 1000);
    const expiration = credentials.expiration;
    return { url, expiresAt: expiration && expiration < asked ? expiration : asked };
  }

  /** S3's browser POST: a policy with exact-match conditions on the key, Content-Type and every metadata field. */
  async presignPost(
    bucket: string,
    key: string,
    options: Port.PresignPostOptions,
  ): Promise<Port.PresignedPost> {
    const metadata = Object.fromEntries(
      Object.entries(options.metadata ?? {}).map(([name, value]) => [
        `x-amz-meta-${name.toLowerCase()}`,
        value,
      ]),
    );
    const fields = { 'Content-Type': options.contentType, ...metadata };
    const { url, fields: signed } = await createPresignedPost(this.client, {
      Bucket: bucket,
      Key: key,
      Fields: fields,
      Conditions: [
        ['content-length-range', options.minBytes, options.maxBytes],
        ...Object.entries(fields).map(([name, value]) => ['eq', `$${name}`, value] as ['eq', string, string]),
      ],
      Expires: options.expiresInSeconds,
    });
    const asked = new Date(Date.now() + options.expiresInSeconds * 1000);
    const expiration = (await this.client.config.credentials()).expiration;
    return { url, fields: signed, expiresAt: expiration && expiration < asked ? expiration : asked };
  }
}

/**
 * Keys in UTF-8 byte order (as S3 lists them), each key's versions newest first: S3 answers versions and delete
 * markers in two lists, merged here.
 */
function sortVersions(versions: Port.ObjectVersionSummary[]): Port.ObjectVersionSummary[] {
  const time = (v: Port.ObjectVersionSummary) => v.lastModified?.getTime() ?? 0;
  return versions.sort(
    (a, b) =>
      Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)) ||
      Number(b.isLatest) - Number(a.isLatest) ||
      time(b) - time(a),
  );
}

/** A missing key or version: the SDK's modelled errors, or any 404 (HEAD answers carry no error code). */
function isNotFound(error: unknown): boolean {
  return (
    error instanceof NoSuchKey ||
    error instanceof NotFound ||
    (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)
  );
}
