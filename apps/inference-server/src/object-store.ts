import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';

export interface ObjectInfo {
  readonly size: number;
  readonly contentType: string | undefined;
  readonly metadata: Record<string, string>;
}

export class ObjectMissingError extends Error {
  override readonly name = 'ObjectMissingError';
}

export class ObjectTooLargeError extends Error {
  override readonly name = 'ObjectTooLargeError';
}

/** The sidecar's port to object storage: S3 in AWS, moto in tests, a folder in the local stack. */
export interface ObjectStore {
  head(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /** Reads a whole object, refusing (and stopping the download) past `maxBytes`. */
  get(bucket: string, key: string, maxBytes: number): Promise<Uint8Array>;
  put(
    bucket: string,
    key: string,
    body: Uint8Array | string,
    options: { contentType: string; metadata?: Record<string, string> },
  ): Promise<void>;
}

export function s3Client(region: string, endpoint: string | undefined): S3Client {
  return new S3Client({ region, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) });
}

/** ObjectStore on the AWS SDK v3 S3 client. */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly client: S3Client) {}

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: out.ContentLength ?? 0, contentType: out.ContentType, metadata: out.Metadata ?? {} };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async get(bucket: string, key: string, maxBytes: number): Promise<Uint8Array> {
    const controller = new AbortController();
    let out;
    try {
      out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
        abortSignal: controller.signal,
      });
    } catch (error) {
      if (isNotFound(error)) throw new ObjectMissingError(`s3://${bucket}/${key} does not exist`);
      throw error;
    }
    if ((out.ContentLength ?? 0) > maxBytes) {
      controller.abort();
      throw new ObjectTooLargeError(
        `s3://${bucket}/${key} is ${out.ContentLength} bytes; the limit is ${maxBytes}`,
      );
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of out.Body as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > maxBytes) {
        controller.abort();
        throw new ObjectTooLargeError(`s3://${bucket}/${key} is larger than the limit of ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, total);
  }

  async put(
    bucket: string,
    key: string,
    body: Uint8Array | string,
    options: { contentType: string; metadata?: Record<string, string> },
  ): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: options.contentType,
        Metadata: options.metadata,
      }),
    );
  }
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NotFound' || error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404)
  );
}
