import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { simpleParser } from 'mailparser';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { ballPicture, checkPly, decodePng, emptyPicture, jpegBytes, shareDifferentFrom } from './png';

// End to end, in a real browser: the local stack (same handlers as AWS, folder store, outbox) serves the built web
// app and its API; headless Chromium (Debian's package, no download) uploads pictures the way a person does.
// Screenshots go to dist/e2e/; GEN3D_E2E_UPDATE_DOCS=1 also copies them into docs/images/ for the user guide.
const root = join(__dirname, '../../..');
const shots = join(root, 'dist/e2e');
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const VIEWER_BACKGROUND: [number, number, number] = [0xe9, 0xed, 0xf2];
const DONE_TIMEOUT_MS = 180_000; // generous: a shared or slow CI machine

let home: string;
let stack: ChildProcess;
let url: string;
let browser: Browser;
/** What a person waits for, measured in the first test (written to dist/e2e/timings.json). */
const timings: Record<string, number> = {};

async function startStack(): Promise<void> {
  home = await mkdtemp(join(tmpdir(), 'gen3d-e2e-'));
  const main = process.env['GEN3D_E2E_STACK_MAIN'] || join(root, 'dist/apps/local-stack/main.js');
  stack = spawn(process.execPath, [main], {
    cwd: root,
    env: {
      ...process.env,
      GEN3D_HOME: home,
      GEN3D_STACK_PORT: '0',
      GEN3D_STOP_GRACE_SECONDS: '2',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the local stack did not start in 60 s:\n${log}`)),
      60_000,
    );
    stack.stdout?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      for (const line of log.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg?.startsWith('ready:') && entry.url) {
            clearTimeout(timer);
            resolve(entry.url);
          }
        } catch {
          // a partial line: wait for the rest
        }
      }
    });
    stack.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    stack.stdout?.pipe(createWriteStream(join(shots, 'stack.log')));
    stack.stderr?.pipe(createWriteStream(join(shots, 'stack.err.log')));
    stack.once('exit', (code) => reject(new Error(`the local stack exited (${code}):\n${log}`)));
  });
}

async function stopStack(): Promise<void> {
  if (!stack || stack.exitCode !== null) return;
  const exited = new Promise((resolve) => stack.once('exit', resolve));
  stack.kill('SIGINT');
  const timer = setTimeout(() => stack.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Every file under a folder, as paths relative to it (hidden internals of the folder store excluded). */
async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((p) => !p.split('/').some((s) => s.startsWith('.')));
}

const uploadsIn = async () => (await filesUnder(join(home, 'data'))).filter((p) => p.includes('/input/'));

interface Mail {
  readonly subject: string;
  readonly to: string;
  readonly text: string;
  /** The HTML part as sent: its pictures are `cid:` links to the message's related parts. */
  readonly html: string;
  readonly related: readonly {
    readonly cid: string;
    readonly contentType: string;
    readonly content: Buffer;
  }[];
}

async function outbox(): Promise<Mail[]> {
  const dir = join(home, 'outbox');
  const files = (await filesUnder(dir)).filter((f) => f.endsWith('.eml')).sort();
  return Promise.all(
    files.map(async (file) => {
      const mail = await simpleParser(await readFile(join(dir, file)), { keepCidLinks: true });
      const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
      return {
        subject: mail.subject ?? '',
        to: to?.text ?? '',
        text: mail.text ?? '',
        html: typeof mail.html === 'string' ? mail.html : '',
        related: mail.attachments
          .filter((a) => a.related && a.cid)
          .map((a) => ({ cid: a.cid as string, contentType: a.contentType, content: a.content })),
      };
    }),
  );
}

/** The email's HTML as a mail client shows it: each `cid:` link replaced by its related part's bytes. */
function htmlWithInlineParts(mail: Mail): string {
  return mail.html.replace(/cid:([^"'\s)>]+)/g, (link, cid: string) => {
    const part = mail.related.find((p) => p.cid === cid);
    return part ? `data:${part.contentType};base64,${part.content.toString('base64')}` : link;
  });
}

/** Waits until the image has loaded and drawn a picture (not the placeholder): its natural width. */
/** The JSON bodies the page POSTs to a URL ending in `suffix`, collected as they go out. */
function postsTo(page: Page, suffix: string): unknown[] {
  const bodies: unknown[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith(suffix)) bodies.push(request.postDataJSON());
  });
  return bodies;
}

async function loadedWidth(page: Page, selector: string): Promise<number> {
  const handle = await page.waitForFunction(
    (sel) => {
      const img = document.querySelector<HTMLImageElement>(sel);
      return img && img.complete && img.naturalWidth > 0 ? img.naturalWidth : undefined;
    },
    selector,
    { timeout: 30_000 },
  );
  return (await handle.jsonValue()) as number;
}

const jobIdOf = async (page: Page): Promise<string> =>
  new URLSearchParams((await page.evaluate(() => window.location.hash)).slice(1)).get('job') ?? '';

const resultEmailOf = (jobId: string) =>
  waitFor(`the result email of ${jobId}`, async () =>
    (await outbox()).find((m) => /is ready/.test(m.subject) && m.text.includes(`job=${jobId}`)),
  );

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A page that records console errors and uncaught exceptions (the test asserts there are none). */
async function openPage(context: BrowserContext, hash = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`${url}/${hash}`);
  return { page, errors };
}

async function shot(page: Page, name: string, element?: string): Promise<Buffer> {
  const path = join(shots, `${name}.png`);
  const image = element
    ? await page.locator(element).screenshot({ path })
    : await page.screenshot({ path, fullPage: true });
  if (process.env['GEN3D_E2E_UPDATE_DOCS'] === '1') {
    await mkdir(join(root, 'docs/images'), { recursive: true });
    await copyFile(path, join(root, 'docs/images', `${name}.png`));
  }
  return image;
}

/** A screenshot of the part of the page from the top of one element to the bottom of another (in the viewport). */
async function shotSpan(page: Page, name: string, from: string, to: string): Promise<void> {
  await page.locator(from).evaluate((element) => element.scrollIntoView({ block: 'start' }));
  const top = await page.locator(from).boundingBox();
  const bottom = await page.locator(to).boundingBox();
  const card = await page.locator(from).evaluate((element) => {
    const box = (element.closest('.card') ?? element).getBoundingClientRect();
    return { x: box.x, width: box.width };
  });
  if (!top || !bottom) throw new Error(`${from} or ${to} is not shown`);
  const path = join(shots, `${name}.png`);
  const height = bottom.y + bottom.height - top.y + 16;
  await page.screenshot({ path, clip: { x: card.x, y: Math.max(0, top.y - 8), width: card.width, height } });
  if (process.env['GEN3D_E2E_UPDATE_DOCS'] === '1') {
    await mkdir(join(root, 'docs/images'), { recursive: true });
    await copyFile(path, join(root, 'docs/images', `${name}.png`));
  }
}

/** Waits until the element's text matches (the page updates itself: polling, not a single read). */
async function expectText(locator: Locator, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = ((await locator.textContent({ timeout: timeoutMs }).catch(() => null)) ?? '')
      .replace(/\s+/g, ' ')
      .trim();
    if (pattern.test(text)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`expected text matching ${pattern}, got ${JSON.stringify(text)}`);
}

async function choosePicture(page: Page, name: string, buffer: Buffer): Promise<void> {
  await page.locator('#file').setInputFiles({ name, mimeType: 'image/png', buffer });
}

/** Chooses a picture and answers where its preview is on the page, once it is shown. */
async function previewOf(page: Page, name: string, buffer: Buffer) {
  await choosePicture(page, name, buffer);
  await page.locator('#preview-img').waitFor();
  const box = await page.locator('#preview').boundingBox();
  if (!box) throw new Error('no preview');
  return box;
}

/** Drops a file on the drop zone, as a person dragging it from their files would. */
async function dropPicture(page: Page, name: string, buffer: Buffer): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ fileName, bytes }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], fileName, { type: 'image/png' }));
      return transfer;
    },
    { fileName: name, bytes: [...buffer] },
  );
  await page.locator('#drop').dispatchEvent('drop', { dataTransfer });
}

async function waitForStep(page: Page, step: 'done' | 'failed'): Promise<void> {
  const selector = step === 'done' ? '#steps li[data-step="done"].complete' : '#steps.failed';
  await page.locator(selector).waitFor({ timeout: DONE_TIMEOUT_MS });
}

/** Checks that the viewer drew the mesh: its pixels are not all the background colour. */
async function expectMeshDrawn(page: Page, name: string): Promise<void> {
  await page.locator('#viewer-box[data-loaded]').waitFor({ timeout: 30_000 });
  await page.waitForTimeout(800); // a few frames: damping settles, the shadow map renders
  const image = decodePng(await shot(page, name, '#viewer'));
  expect(shareDifferentFrom(image, VIEWER_BACKGROUND)).toBeGreaterThan(0.03);
}

beforeAll(async () => {
  await rm(shots, { recursive: true, force: true });
  await mkdir(shots, { recursive: true });
  await startStack();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    // Root in CI needs --no-sandbox; SwiftShader gives headless Chromium WebGL without a GPU.
    args: [
      '--no-sandbox',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--ignore-gpu-blocklist',
    ],
  });
}, 90_000);

afterAll(async () => {
  await writeFile(join(shots, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
  await browser?.close();
  await stopStack();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('the web app in Chromium against the local stack', () => {
  let firstJobId: string;
  /** The first test's browser (its session in localStorage): the confirmation link opens in the same browser. */
  let firstBrowser: Awaited<ReturnType<BrowserContext['storageState']>>;

  it('uploads a PNG with a point prompt, follows it to done, shows the mesh and downloads a valid PLY', async () => {
    const context = await browser.newContext({
      viewport: { width: 1000, height: 900 },
      acceptDownloads: true,
    });
    const { page, errors } = await openPage(context);
    await shot(page, 'web-empty');
    const box = await previewOf(page, 'ball.png', ballPicture());
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await expectText(page.locator('#point-status'), /Point marked at x 12\d, y 12\d/);
    await page.locator('#email').fill('ann@example.com');
    await page.locator('#quality').selectOption('fast');
    await shot(page, 'web-upload-form');

    const clicked = Date.now();
    await page.locator('#submit').click();
    await page.locator('#upload-note').waitFor();
    await expectText(page.locator('#upload-note'), /confirmation link to ann@example.com/);
    await waitForStep(page, 'done');
    timings['uploadToDoneMs'] = Date.now() - clicked;
    firstJobId =
      new URLSearchParams((await page.evaluate(() => window.location.hash)).slice(1)).get('job') ?? '';
    expect(firstJobId).toMatch(/^[a-z0-9-]{8,64}$/);
    await expectText(page.locator('#job-status'), /^Done · [\d.]+ s/);
    await expectText(page.locator('#fact-method'), /\(geometric, no learned model\)/);
    await page.locator('#viewer-box[data-loaded]').waitFor({ timeout: 30_000 });
    timings['uploadToMeshShownMs'] = Date.now() - clicked;
    await expectMeshDrawn(page, 'web-viewer');
    await expectText(page.locator('#fact-vertices'), /^[\d,]+$/);
    await shot(page, 'web-done');

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
    expect(download.suggestedFilename()).toMatch(/^ball-[0-9a-f]{8}\.ply$/);
    const ply = checkPly(await readFile(await download.path()));
    expect(ply.format).toBe('binary_little_endian');
    const shownVertices = Number((await page.locator('#fact-vertices').textContent())?.replace(/,/g, ''));
    expect(ply.vertices).toBe(shownVertices);

    // The recent list of this browser reopens it.
    expect(await page.locator('#recent li').count()).toBe(1);
    await expectText(page.locator('#recent li button'), /ball\.png — Done/);
    expect(errors).toEqual([]);
    firstBrowser = await context.storageState();
    await context.close();
  });

  it('emails a confirmation link; once confirmed, the result email links to the same job in the web app', async () => {
    const mails = await waitFor('the confirmation email', async () => {
      const all = await outbox();
      return all.some((m) => /Confirm your address/.test(m.subject)) ? all : undefined;
    });
    const confirmation = mails.find((m) => /Confirm your address/.test(m.subject)) as Mail;
    expect(confirmation.to).toBe('ann@example.com');
    const confirmLink = /(http:\/\/\S+#confirm=\S+)/.exec(confirmation.text)?.[1] as string;
    expect(confirmLink.startsWith(`${url}/`)).toBe(true);

    // The link opens in the browser that uploaded (a confirmation is for that browser's session: decision 0025).
    const context = await browser.newContext({
      viewport: { width: 1000, height: 900 },
      storageState: firstBrowser,
    });
    const { page, errors } = await openPage(context, confirmLink.slice(confirmLink.indexOf('#')));
    // Opening the link confirms nothing (a mail scanner runs pages too): the Confirm button does.
    await page.locator('#confirm-button').waitFor({ state: 'visible' });
    await page.waitForTimeout(500);
    expect(await page.locator('#upload-note').isVisible()).toBe(false);
    expect((await outbox()).filter((m) => /model is ready/.test(m.subject))).toEqual([]);
    await page.locator('#confirm-button').click();
    await expectText(page.locator('#upload-note'), /your address is confirmed/);
    expect(await page.locator('#confirm-box').isVisible()).toBe(false);
    await shot(page, 'web-confirmed');

    await choosePicture(page, 'ball two.png', ballPicture(200));
    await page.locator('#email').fill('ann@example.com');
    await page.locator('#submit').click();
    await waitForStep(page, 'done');
    const jobId = new URLSearchParams((await page.evaluate(() => window.location.hash)).slice(1)).get('job');
    expect(errors).toEqual([]);
    await context.close();

    const result = await waitFor('the result email', async () =>
      (await outbox()).find(
        (m) => m.to === 'ann@example.com' && /is ready/.test(m.subject) && m.text.includes(`job=${jobId}`),
      ),
    );
    const jobLink = /(http:\/\/\S+#job=\S+)/.exec(result.text)?.[1] as string;
    expect(new URLSearchParams(jobLink.slice(jobLink.indexOf('#') + 1)).get('access')).toBeTruthy();

    // Opened on another device (no session of the uploader): the link alone shows the job and its mesh.
    const elsewhere = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const linked = await openPage(elsewhere, jobLink.slice(jobLink.indexOf('#')));
    await waitForStep(linked.page, 'done');
    await expectMeshDrawn(linked.page, 'web-email-link');
    // Only the uploader's session may try it again or delete it: the link alone offers neither.
    expect(await linked.page.locator('#job-actions').isHidden()).toBe(true);
    expect(await linked.page.evaluate(() => window.location.hash)).toContain(`job=${jobId}`);
    expect(linked.errors).toEqual([]);
    await elsewhere.close();
  });

  it('shows the thumbnail in the list, the result and the email, the mask over the picture; tries again, deletes', async () => {
    // ann's browser: her address is confirmed there, so its results are emailed. British, in a time zone where today
    // is not today in UTC (UTC-11 before 11:00 UTC, UTC+14 from then on): the page must still name the email's day.
    const context = await browser.newContext({
      viewport: { width: 1000, height: 900 },
      storageState: firstBrowser,
      locale: 'en-GB',
      timezoneId: new Date().getUTCHours() < 11 ? 'Pacific/Pago_Pago' : 'Pacific/Kiritimati',
    });
    const { page, errors } = await openPage(context);
    const retries = postsTo(page, '/retry');
    const box = await previewOf(page, 'ball three.png', ballPicture());
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('#email').fill('ann@example.com');
    await page.locator('#submit').click();
    await waitForStep(page, 'done');
    const jobId = await jobIdOf(page);

    // The list and the result show the model's thumbnail; the result says until when the files are kept.
    const listed = '#recent li:first-child img.thumb';
    expect(await loadedWidth(page, listed)).toBeGreaterThanOrEqual(64);
    expect(await page.locator(listed).getAttribute('alt')).toBe('The 3D model made from ball three.png');
    await expectText(page.locator('#recent li:first-child .kept'), /^Files kept until /);
    expect(await loadedWidth(page, '#result-thumb')).toBeGreaterThanOrEqual(256);
    await expectText(page.locator('#kept-until'), /^Files kept until /);
    await shot(page, 'web-recent-thumbnails', '#recent-card');

    // The mask the model used, tinted over the picture: about the ball's share of it, and it can be hidden.
    await page.locator('#job-picture-box[data-mask]').waitFor({ timeout: 30_000 });
    const covered = await page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('#mask-overlay') as HTMLCanvasElement;
      const data = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(
        0,
        0,
        canvas.width,
        canvas.height,
      ).data;
      let tinted = 0;
      let dimmed = 0;
      for (let i = 0; i < data.length; i += 4) {
        if ((data[i] as number) > 100 && (data[i + 3] as number) > 64)
          tinted += 1; // the magenta tint
        else if ((data[i] as number) === 0 && (data[i + 3] as number) > 64) dimmed += 1; // black, the rest
      }
      return { object: tinted / (data.length / 4), rest: dimmed / (data.length / 4) };
    });
    expect(covered.object).toBeGreaterThan(0.3); // the ball: pi * 0.36^2 = 0.41 of the picture
    expect(covered.object).toBeLessThan(0.55);
    expect(covered.object + covered.rest).toBeGreaterThan(0.97);
    await shot(page, 'web-mask-overlay', '#job-picture-box');
    await page.locator('#show-mask').uncheck();
    expect(await page.locator('#mask-overlay').isHidden()).toBe(true);
    await page.locator('#show-mask').check();

    // The result email shows the same thumbnail inline (a related part, not a remote link), and says until when the
    // files are kept: the very day the page says, in the list and in the result (decision 0035).
    const mail = await resultEmailOf(jobId);
    const emailed = /kept until (\d{1,2} \w+ \d{4})/.exec(mail.text)?.[1];
    expect(emailed).toBeDefined();
    const keptLine = new RegExp(`^Files kept until ${emailed as string}$`);
    await expectText(page.locator('#recent li:first-child .kept'), keptLine);
    await expectText(page.locator('#kept-until'), keptLine);
    expect(mail.html).toMatch(/<img[^>]+src=["']?cid:/);
    expect(mail.related.some((p) => p.contentType === 'image/png')).toBe(true);
    const mailPage = await context.newPage();
    await mailPage.setContent(htmlWithInlineParts(mail));
    expect(await loadedWidth(mailPage, 'img')).toBeGreaterThan(0);
    await shot(mailPage, 'email-thumbnail');
    await mailPage.close();

    // Try again: the mark it used is filled in; Flat this time. A second job, followed like an upload, and its email.
    await page.locator('#retry').click();
    await expectText(page.locator('#retry-point-status'), /Point marked at x 12\d, y 12\d/);
    // The panel's choices are the upload form's, copied with their radios renamed.
    expect(await page.locator('#retry-modes input[name="retry-prompt-mode"]').count()).toBe(3);
    expect(await page.locator('input[name="retry-prompt-mode"][value="object"]').isChecked()).toBe(true);
    expect(await page.locator('input[name="retry-shape"][value="auto"]').isChecked()).toBe(true);
    await page.locator('input[name="retry-shape"][value="slab"]').check();
    await shotSpan(page, 'web-try-again', '#job-picture-box', '#retry-form');
    await page.locator('#retry-send').click();
    await page.waitForFunction((first) => !window.location.hash.includes(first), jobId, { timeout: 60_000 });
    await waitForStep(page, 'done');
    const retriedId = await jobIdOf(page);
    expect(retriedId).not.toBe(jobId);
    expect(retries).toEqual([{ point: { x: expect.any(Number), y: expect.any(Number) }, shape: 'slab' }]);
    await expectText(page.locator('#fact-method'), /^Flat slab/);
    await resultEmailOf(retriedId);
    await expectText(page.locator('#recent li:first-child button'), /^ball three\.png — Done/);

    // Delete, after the page asks: the job leaves the card and the list, and the API no longer knows it.
    const listedBefore = await page.locator('#recent li').count();
    await page.locator('#delete').click();
    await expectText(page.locator('#delete-question'), /^Delete ball three\.png and all its files/);
    await shotSpan(page, 'web-delete-confirm', '#job-picture-box', '#delete-confirm');
    await page.locator('#delete-yes').click();
    await page.locator('#job-card').waitFor({ state: 'hidden' });
    await expectText(page.locator('#upload-note'), /ball three\.png and all its files were deleted/);
    expect(await page.locator('#recent li').count()).toBe(listedBefore - 1);
    expect(await page.evaluate(() => window.location.hash)).toBe('');
    await page.goto(`${url}/#job=${retriedId}`);
    await expectText(page.locator('#job-problem'), /does not exist, or it belongs to someone else/);
    expect(errors.filter((e) => !/Failed to load resource: .*404/.test(e))).toEqual([]);
    await context.close();
  });

  it('refuses a JPEG renamed .png dropped on the page, and uploads nothing', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const { page, errors } = await openPage(context);
    const before = await uploadsIn();
    const apiCalls: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') apiCalls.push(request.url());
    });
    await dropPicture(page, 'holiday.png', jpegBytes());
    await expectText(page.locator('#file-problem'), /JPEG picture, not a PNG/);
    await page.locator('#email').fill('ann@example.com');
    await shot(page, 'web-not-a-png');
    await page.locator('#submit').click();
    await expectText(page.locator('#file-problem'), /choose a PNG/);
    expect(apiCalls).toEqual([]);
    expect(await uploadsIn()).toEqual(before);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows why a job failed, in plain words', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const { page, errors } = await openPage(context);
    await choosePicture(page, 'blank.png', emptyPicture());
    await page.locator('#email').fill('dee@example.com');
    await page.locator('#submit').click();
    await waitForStep(page, 'failed');
    await expectText(
      page.locator('#job-problem'),
      /could not find an object in the picture.*NoObjectFoundError/,
    );
    await shot(page, 'web-failed');
    expect(errors).toEqual([]);
    await context.close();
  });

  it("refuses another user's job id", async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const { page, errors } = await openPage(context, `#job=${firstJobId}`);
    await expectText(page.locator('#job-problem'), /does not exist, or it belongs to someone else/);
    expect(await page.locator('#viewer-box').isHidden()).toBe(true);
    await shot(page, 'web-not-yours');
    // The browser itself logs the refused request (404); the page adds nothing else.
    expect(errors.filter((e) => !/Failed to load resource: .*404/.test(e))).toEqual([]);
    await context.close();
  });

  it('sends a box and a background point with a GLB asked for, and the GLB download serves glTF', async () => {
    const context = await browser.newContext({
      viewport: { width: 1000, height: 900 },
      acceptDownloads: true,
    });
    const { page, errors } = await openPage(context);
    const sent = postsTo(page, '/api/uploads');
    const frame = await previewOf(page, 'ball.png', ballPicture());
    // The 256² picture is shown letterboxed (object-fit: contain): picture pixel -> page position.
    const scale = Math.min(frame.width / 256, frame.height / 256);
    const at = (x: number, y: number) => ({
      x: frame.x + (frame.width - 256 * scale) / 2 + (x + 0.5) * scale,
      y: frame.y + (frame.height - 256 * scale) / 2 + (y + 0.5) * scale,
    });
    await page.locator('input[name="prompt-mode"][value="box"]').check();
    const from = at(30, 30);
    const to = at(225, 225);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
    await page.mouse.move(to.x, to.y, { steps: 4 });
    await page.mouse.up();
    await page.locator('input[name="prompt-mode"][value="background"]').check();
    const corner = at(12, 244);
    await page.mouse.click(corner.x, corner.y);
    await expectText(
      page.locator('#point-status'),
      /^Marked: 1 point on the background and a box from x (29|30|31), y (29|30|31) to x 22\d, y 22\d\.$/,
    );
    expect(await page.locator('#marks .marker.negative').count()).toBe(1);
    expect(await page.locator('#box-mark').isVisible()).toBe(true);
    await page.locator('input[name="format"][value="glb"]').check();
    await page.locator('input[name="shape"][value="revolve"]').check();
    await page.locator('#email').fill('bea@example.com');
    await shot(page, 'web-prompts', '#upload-card');

    await page.locator('#submit').click();
    await waitForStep(page, 'done');
    expect(sent).toHaveLength(1);
    const body = sent[0] as Record<string, unknown>;
    expect(body['point']).toBeUndefined();
    expect(body['formats']).toEqual(['ply', 'glb']);
    expect(body['points']).toEqual([{ x: 12, y: 244, label: 0 }]);
    expect(body['box']).toMatchObject({ x0: expect.any(Number), x1: expect.any(Number) });
    expect(body['shape']).toBe('revolve');
    await expectText(page.locator('#fact-method'), /^Surface of revolution from the silhouette/);
    await page.locator('#viewer-box[data-loaded]').waitFor({ timeout: 30_000 });
    // bea has not confirmed her address: the page says the result email waits for it.
    await expectText(page.locator('#email-held'), /waiting for your address to be confirmed/, 30_000);
    await page.waitForTimeout(800);
    await shot(page, 'web-formats', '#job-card');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#download-glb').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^ball-[0-9a-f]{8}\.glb$/);
    const glb = await readFile(await download.path());
    expect(glb.subarray(0, 4).toString('latin1')).toBe('glTF');
    expect(glb.readUInt32LE(8)).toBe(glb.length); // the GLB header's total length
    expect(errors).toEqual([]);
    await context.close();
  });

  it('fits a phone-sized screen and works from the keyboard', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const { page, errors } = await openPage(context);
    await choosePicture(page, 'ball.png', ballPicture());
    await page.locator('#preview').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowLeft');
    await expectText(page.locator('#point-status'), /Point marked at x 12\d, y 128/);
    // A box from the keyboard: the Box mode by its radio, Enter places it in the middle, + grows it.
    await page.locator('input[name="prompt-mode"][value="box"]').focus();
    await page.keyboard.press('Space');
    await page.locator('#preview').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('+');
    await expectText(
      page.locator('#point-status'),
      /^Marked: 1 point on the object and a box from x 61, y 61 to x 195, y 195\.$/,
    );
    await page.locator('#email').focus();
    await page.keyboard.type('fay@example.com');
    await page.keyboard.press('Enter'); // submits the form
    await waitForStep(page, 'done');
    await page.locator('#viewer-box[data-loaded]').waitFor({ timeout: 30_000 });
    await page.locator('#viewer').focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.waitForTimeout(800);
    await shot(page, 'web-phone');
    expect(errors).toEqual([]);
    await context.close();
  });
});
