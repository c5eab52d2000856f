import type { DownloadLinks, DownloadLinkSigner } from '@gen3d/jobs';
import type { Logger } from '@gen3d/logging';
import type { BucketStore, PresignedPost, PresignPostOptions } from '@gen3d/object-store';
import type { ApiConfig } from './config';
import type { OutgoingEmail } from './emails';
import type { TokenSigner } from './tokens';

/** The upload signer port: a presigned POST whose policy fixes the key, type, size range and metadata. */
export type UploadSigner = (
  key: string,
  options: PresignPostOptions & { readonly metadata: Record<string, string> },
) => Promise<PresignedPost>;

export interface ApiDeps {
  /** The data bucket. */
  readonly data: BucketStore;
  readonly signUpload: UploadSigner;
  readonly tokens: TokenSigner;
  readonly sendEmail: (email: OutgoingEmail) => Promise<string | undefined>;
  readonly now: () => Date;
  readonly log: Logger;
  readonly config: ApiConfig;
  /** Random bytes (user ids, upload names); crypto's by default. */
  readonly random?: (bytes: number) => Buffer;
  /**
   * Set when the API sits behind its own CloudFront distribution and WAF (setting apiFirewall): every request must
   * carry this secret in ORIGIN_VERIFY_HEADER (CloudFront adds it), so the function URL cannot be called around WAF.
   */
  readonly originSecret?: string;
  /**
   * Checks the tokens of the emails' download links (GET /downloads/{token}), under the key the notify function signs
   * them with; absent, every such link is refused as not valid.
   */
  readonly downloads?: DownloadLinkSigner;
  /**
   * Makes download links to this API, for the held results a confirmation emails (their extra formats); absent, those
   * emails carry presigned URLs.
   */
  readonly downloadLinks?: DownloadLinks;
}

/** The header CloudFront adds to each request it forwards to the API (see ApiDeps.originSecret). */
export const ORIGIN_VERIFY_HEADER = 'x-gen3d-origin-verify';

/** What one request's handler works with: the ports (random filled in) and the request's logger. */
export interface ApiContext {
  readonly deps: ApiDeps & { readonly random: (bytes: number) => Buffer };
  readonly log: Logger;
}
