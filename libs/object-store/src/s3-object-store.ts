import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  ObjectMissingError,
  ObjectTooLargeError,
  PreconditionFailedError,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store';

/**
 * An S3 client for this process: `AWS_ENDPOINT_URL` (or the given endpoint) points it at moto or another
 * S3-compatible server, with path-style addressing.
 */
export function createS3Client(
  options: { region?: string; endpoint?: string; maxAttempts?: number } = {},
): S3Client {
  const endpoint = options.endpoint ?? process.env['AWS_ENDPOINT_URL'];
  const config: S3ClientConfig = {
    region: options.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
    maxAttempts: options.maxAttempts ?? 4,
    // Reads may stop early (size limits): validate response checksums only when asked for.
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  };
  return new S3Client(config);
}

/** ObjectStore on the AWS SDK v3 S3 client. */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly client: S3Client) {}

  async head(bucket: string, key: string, versionId?: string): Promise<ObjectInfo | undefined> {
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
      if (isNotFound(error)) throw new ObjectMissingError(`s3://${bucket}/${key} does not exist`);
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
      if (isNotFound(error)) throw new ObjectMissingError(`s3://${bucket}/${key} does not exist`);
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
    options: PutOptions,
  ): Promise<{ eTag: string | undefined }> {
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
      return { eTag: out.ETag };
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412) {
        throw new PreconditionFailedError(
          `s3://${bucket}/${key}: ${options.ifNoneMatch ? 'exists' : 'changed'}`,
        );
      }
      throw error;
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  async presignGet(
    bucket: string,
    key: string,
    expiresInSeconds: number,
    versionId?: string,
  ): Promise<{ url: string; expiresAt: Date }> {
    const url = await getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
      {
        expiresIn: expiresInSeconds,
      },
    );
    const asked = new Date(Date.now() + expiresInSeconds * 1000);
    const credentials = await this.client.config.credentials();
    const expiration = credentials.expiration;
    return { url, expiresAt: expiration && expiration < asked ? expiration : asked };
  }
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NotFound' || error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404)
  );
}
