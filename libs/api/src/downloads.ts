import { redeemDownloadLink, type Redemption } from '@gen3d/jobs';
import type { ApiContext } from './context';
import type { ApiResponse } from './http';

type Refusal = Extract<Redemption, { ok: false }>['refusal'];

/** What the person who clicked sees for each refusal: 403 for a link that is not ours, 410 for one that ended. */
const REFUSALS: Record<Refusal, { status: 403 | 410; title: string; text: string }> = {
  invalid: {
    status: 403,
    title: 'This download link is not valid',
    text: 'The link is incomplete or was changed. Open it again from the email, copying the whole address.',
  },
  'not-a-mesh': {
    status: 403,
    title: 'This download link is not valid',
    text: 'The link does not name a file Gen3D made.',
  },
  'other-job': {
    status: 410,
    title: 'This file has been replaced',
    text: 'The file this link was made for is no longer stored; a newer upload of the same name has its own email.',
  },
  expired: {
    status: 410,
    title: 'This download link has expired',
    text: 'Links in Gen3D emails work for a limited time. Upload the picture again to get a new one.',
  },
  gone: {
    status: 410,
    title: 'This file is no longer stored',
    text: 'Gen3D keeps results for a limited time; this one has been deleted. Upload the picture again to make it anew.',
  },
};

/**
 * GET /downloads/{token}: the links of Gen3D emails (@gen3d/jobs download-links). A valid token is answered with a
 * 302 to a presigned URL of MESH_LINK_SECONDS, made now; anything else with a short HTML page, never an error's
 * details. Without a download link key (not configured), every token is refused as not valid.
 */
export async function downloadRoute(context: ApiContext, token: string): Promise<ApiResponse> {
  const { deps, log } = context;
  const redemption: Redemption = deps.downloads
    ? await redeemDownloadLink(token, {
        data: deps.data,
        signer: deps.downloads,
        now: deps.now(),
        seconds: deps.config.meshLinkSeconds,
      })
    : { ok: false, refusal: 'invalid' };
  if (redemption.ok) {
    log.child({ jobId: redemption.claims.job }).info('download link redeemed');
    return {
      status: 302,
      headers: { location: redemption.url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
      body: '',
    };
  }
  log.info({ refusal: redemption.refusal }, 'download link refused');
  const refusal: Refusal = redemption.refusal;
  return refusalPage(REFUSALS[refusal]);
}

function refusalPage(page: { status: number; title: string; text: string }): ApiResponse {
  // Fixed texts only: nothing of the request is echoed into the page.
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${page.title} — Gen3D</title></head><body><h1>${page.title}</h1><p>${page.text}</p></body></html>`;
  return {
    status: page.status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'",
      'x-content-type-options': 'nosniff',
    },
    body,
  };
}
