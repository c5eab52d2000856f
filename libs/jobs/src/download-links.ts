import type { BucketStore } from '@gen3d/object-store';
import { ConfigError, signedTokens } from '@gen3d/runtime';
import { InvalidKeyError, JOB_ID_PATTERN, parseDataBucketKey } from '@gen3d/s3-keys';
import { z } from 'zod';
import { readMeshMetadata } from './documents';

/**
 * Download links that outlive the credentials of whoever made them (decision 0038): the
 * email carries `{apiUrl}/downloads/{token}`, a token naming one stored mesh file (key, version, job) and until when
 * it works, signed with HMAC-SHA256 under a key the notify function and the API share. The API redeems it with a
 * presigned URL of a few minutes, made at that moment with the API's own (fresh) credentials.
 *
 * A token is `base64url(JSON claims).base64url(HMAC(key, DOMAIN + payload))`, accepted only in the one spelling this
 * signer makes, so an edited character anywhere is a different token and is refused.
 */
const ClaimsSchema = z.strictObject({
  /** The object's exact key: a mesh (`.ply`) or one of its extra formats, checked again through @gen3d/s3-keys. */
  key: z.string().min(1).max(1024),
  /** The version the job wrote; absent only where the store keeps no versions. */
  ver: z.string().min(1).max(1024).optional(),
  /** The job that wrote it: the object's `job-id` metadata must say the same. */
  job: z.string().regex(JOB_ID_PATTERN),
  /** Until when the link works, epoch seconds. */
  exp: z.number().int().positive(),
});
export type DownloadClaims = z.output<typeof ClaimsSchema>;

/** Separates these MACs from any other use of a key (a key given by mistake to two signers signs different texts). */
const DOMAIN = 'gen3d-download-link/1\n';
/** The shortest key accepted (256 bits) and the error for a shorter one: the signed-token codec's (@gen3d/runtime). */
export {
  MIN_SIGNING_KEY_BYTES as MIN_DOWNLOAD_KEY_BYTES,
  SigningKeyError as DownloadKeyError,
} from '@gen3d/runtime';

/** Why a token is not honoured: `invalid` (not ours, edited, truncated: 403) or `expired` (ours, too late: 410). */
export type DownloadRefusal = 'invalid' | 'expired';

export interface DownloadLinkSigner {
  sign(claims: DownloadClaims): string;
  /** The claims of a token this key signed that is still valid at `now`, or why not. */
  verify(
    token: string,
    now: Date,
  ): { ok: true; claims: DownloadClaims } | { ok: false; refusal: DownloadRefusal };
}

/**
 * Signs with `key`; verifies with `key` or any of `previousKeys` (the version before a rotation, decision 0038).
 *
 * @example const signer = createDownloadLinkSigner(key); signer.verify(signer.sign(claims), new Date()).ok // true
 */
export function createDownloadLinkSigner(
  key: Uint8Array,
  previousKeys: readonly Uint8Array[] = [],
): DownloadLinkSigner {
  const tokens = signedTokens<DownloadClaims>([key, ...previousKeys], {
    parse: (v) => ClaimsSchema.safeParse(v).data,
    domain: DOMAIN,
    maxLength: 4096,
  });
  return {
    sign: (claims) => tokens.sign(ClaimsSchema.parse(claims)),
    verify(token, now) {
      const claims = tokens.verify(token);
      if (!claims) return { ok: false, refusal: 'invalid' };
      if (claims.exp * 1000 <= now.getTime()) return { ok: false, refusal: 'expired' };
      return { ok: true, claims };
    },
  };
}

/** One stored mesh file an email links to. */
export interface DownloadTarget {
  readonly key: string;
  readonly versionId?: string | undefined;
  readonly jobId: string;
}

/** Makes the links an email carries (the notify core's port). */
export interface DownloadLinks {
  /** `{apiUrl}/downloads/{token}`, working until `expiresAt`. */
  urlFor(target: DownloadTarget, expiresAt: Date): string;
}

/**
 * The API's address as the links start with: https, or http on loopback (the local stack); `source` names where it
 * was read, for the error.
 *
 * @example parseApiUrl('https://abc.lambda-url.us-east-1.on.aws/', 'the SSM parameter /gen3d/api/url')
 */
export function parseApiUrl(value: string | undefined, source: string): string {
  let url: URL;
  try {
    url = new URL(value ?? '');
  } catch {
    throw new ConfigError(`${source} is not a URL: ${JSON.stringify(value)}`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(loopback && url.protocol === 'http:')) {
    throw new ConfigError(`${source} is not an https URL: ${JSON.stringify(value)}`);
  }
  return url.href;
}

/**
 * @example createDownloadLinks(signer, 'https://api.example.com/').urlFor({ key, versionId, jobId }, until)
 */
export function createDownloadLinks(signer: DownloadLinkSigner, apiUrl: string): DownloadLinks {
  const base = apiUrl.replace(/\/+$/, '');
  return {
    urlFor(target, expiresAt) {
      const token = signer.sign({
        key: target.key,
        ...(target.versionId !== undefined ? { ver: target.versionId } : {}),
        job: target.jobId,
        exp: Math.floor(expiresAt.getTime() / 1000),
      });
      return `${base}/downloads/${token}`;
    },
  };
}

/** What a redemption answers: where to send the browser, or why not (`gone`: the file is no longer stored, 410). */
export type Redemption =
  | { readonly ok: true; readonly url: string; readonly claims: DownloadClaims }
  | { readonly ok: false; readonly refusal: DownloadRefusal | 'gone' | 'not-a-mesh' | 'other-job' };

/**
 * Checks a token (signature, expiry), the key it names (a mesh or mesh file of a user, through @gen3d/s3-keys), and
 * that the object at that version says it was written by that job; then presigns it for `seconds`.
 *
 * @example await redeemDownloadLink(token, { data, signer, now: new Date(), seconds: 300 })
 */
export async function redeemDownloadLink(
  token: string,
  deps: { data: BucketStore; signer: DownloadLinkSigner; now: Date; seconds: number },
): Promise<Redemption> {
  const verified = deps.signer.verify(token, deps.now);
  if (!verified.ok) return verified;
  const { key, ver, job } = verified.claims;
  if (!isMeshKey(key)) return { ok: false, refusal: 'not-a-mesh' };
  const stored = await deps.data.head(key, ver);
  if (!stored) return { ok: false, refusal: 'gone' };
  if (readMeshMetadata(stored.metadata).jobId !== job) return { ok: false, refusal: 'other-job' };
  const link = await deps.data.presignGet(key, deps.seconds, ver);
  return { ok: true, url: link.url, claims: verified.claims };
}

function isMeshKey(key: string): boolean {
  try {
    const kind = parseDataBucketKey(key).kind;
    return kind === 'output' || kind === 'mesh-file';
  } catch (error) {
    if (error instanceof InvalidKeyError) return false;
    throw error;
  }
}
