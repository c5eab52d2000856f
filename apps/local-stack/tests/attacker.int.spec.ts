import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Browser, outbox, pipelineIdle, recipient, StackProcess } from './harness';
import { discPng } from './pictures';

// The attacker review's findings (decisions 0023, 0024, 0025), each tried against the running stack over loopback
// with a session per person; emails are counted once the pipeline is idle.
const work = mkdtempSync(path.join(tmpdir(), 'gen3d-attacker-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PNG = discPng(160);
const GIF = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(400, 1)]);
const ADMIN = 'admin@gen3d.local';
const CONFIRM_SUBJECT = 'Confirm your address for Gen3D';

async function mailsTo(home: string, address: string) {
  return (await outbox(path.join(home, 'outbox'))).filter((m) => recipient(m.mail) === address);
}

const confirmTokenOf = (text: string | undefined) =>
  decodeURIComponent(/#confirm=(\S+)/.exec(text ?? '')?.[1] as string);

/** The token of the confirmation link sent for one session's upload (the email names its picture). */
async function linkFor(home: string, address: string, pictureName: string): Promise<string> {
  const links = (await mailsTo(home, address)).filter((m) => m.mail.subject === CONFIRM_SUBJECT);
  const mine = links.find((m) => m.mail.text?.includes(`"${pictureName}.png"`));
  return confirmTokenOf(mine?.mail.text);
}

/** One upload by a session to an address, run to its end: the grant's answer (status, name). */
async function uploadOnce(browser: Browser, home: string, email: string, file = PNG) {
  const grant = await browser.grant({ fileName: 'vase.png', size: file.length, email });
  if (grant.status === 201) expect((await Browser.post(grant.json['upload'], file)).status).toBe(204);
  await pipelineIdle(home);
  return { status: grant.status, name: grant.json['name'] as string };
}

describe('the attacker review, against the running stack', () => {
  let stack: StackProcess;
  beforeAll(async () => {
    stack = await new StackProcess(path.join(work, 'home'), { ADDRESS_DAILY_CAP: '4' }).ready();
  });
  afterAll(async () => {
    await stack.stop('SIGINT');
  });

  it('a replayed form with a file that is no PNG makes one failed job, one admin email, one failure email', async () => {
    const address = 'gif@example.com';
    const owner = await new Browser(stack.url).start();
    const admin = (await mailsTo(stack.home, ADMIN)).length;
    const grant = await owner.grant({ fileName: 'cat.png', size: GIF.length, email: address });
    expect(grant.status).toBe(201);
    for (let i = 0; i < 8; i += 1) expect((await Browser.post(grant.json['upload'], GIF)).status).toBe(204);
    await pipelineIdle(stack.home);
    const jobs = await owner.jobs();
    expect(jobs.map((j) => j.state)).toEqual(['failed']);
    expect((await mailsTo(stack.home, ADMIN)).length - admin).toBe(1);
    const confirmed = await owner.confirm(await linkFor(stack.home, address, grant.json['name'] as string));
    expect(confirmed.json).toEqual({ confirmed: true, results: { emailed: 1, waiting: 0 } });
    await pipelineIdle(stack.home);
    const results = (await mailsTo(stack.home, address)).filter((m) => m.mail.subject !== CONFIRM_SUBJECT);
    expect(results).toHaveLength(1);
  });

  it("a stranger's uploads naming the owner's address (in any spelling) do not use up the owner's daily cap", async () => {
    const owner = await new Browser(stack.url).start();
    const first = await uploadOnce(owner, stack.home, 'ann.owner@example.com');
    expect(first.status).toBe(201);
    const link = await linkFor(stack.home, 'ann.owner@example.com', first.name);
    expect((await owner.confirm(link)).json).toMatchObject({ confirmed: true });
    await pipelineIdle(stack.home);
    const stranger = await new Browser(stack.url).start();
    // One spelling of the owner's mailbox (in four cases): within ten minutes a session uploads only to a spelling
    // its confirmation link was sent to.
    const spellings = [
      'Ann.Owner+promo@Example.com',
      'ann.owner+promo@example.com',
      'ANN.OWNER+PROMO@EXAMPLE.COM',
      'Ann.Owner+Promo@example.com',
    ];
    const theirs = [];
    for (const email of spellings) theirs.push((await uploadOnce(stranger, stack.home, email)).status);
    expect(theirs).toEqual([201, 201, 201, 201]); // the cap is the stranger's own: 4 a day
    expect((await uploadOnce(stranger, stack.home, 'ann.owner@example.com')).status).toBe(429);
    const next = await uploadOnce(owner, stack.home, 'ann.owner@example.com');
    expect(next.status).toBe(201);
    const results = (await mailsTo(stack.home, 'ann.owner@example.com')).filter(
      (m) => m.mail.subject === 'Your 3D model is ready',
    );
    expect(results).toHaveLength(2);
  });
  it('sends one confirmation link per session and mailbox in ten minutes, whatever the spelling', async () => {
    const links = async () =>
      (await outbox(path.join(stack.home, 'outbox'))).filter((m) => m.mail.subject === CONFIRM_SUBJECT)
        .length;
    const before = await links();
    const browser = await new Browser(stack.url).start();
    const statuses = [];
    for (const email of ['Bo.Reader+1@example.com', 'boreader@example.com', 'BOREADER+2@Example.com']) {
      statuses.push((await browser.grant({ fileName: 'b.png', size: PNG.length, email })).status);
    }
    // The other spellings have no link of their own yet: 429 until ten minutes are over, never a result no link frees.
    expect(statuses).toEqual([201, 429, 429]);
    expect(
      (await browser.grant({ fileName: 'b.png', size: PNG.length, email: 'bo.reader+1@Example.com' })).status,
    ).toBe(201);
    expect((await links()) - before).toBe(1);
  });

  it('answers 400, not 500, to a path with bad percent-encoding', async () => {
    for (const bad of ['/s3/gen3d-data-bucket/users/%E0%A4%A', '/%E0%A4%A.js', '/s3/%ZZ']) {
      const answer = await fetch(`${stack.url}${bad}`, { method: bad === '/s3/%ZZ' ? 'POST' : 'GET' });
      expect([bad, answer.status]).toEqual([bad, 400]);
      expect(await answer.text()).not.toMatch(/\bat \S+ \(/); // no stack trace
    }
  });
});

describe('held results, against the running stack', () => {
  let stack: StackProcess;
  beforeAll(async () => {
    const limits = { ADDRESS_DAILY_CAP: '500', MAX_ACTIVE_JOBS_PER_USER: '100' };
    stack = await new StackProcess(path.join(work, 'home-held'), limits).ready();
  });
  afterAll(async () => {
    await stack.stop('SIGINT');
  });

  it("a stranger's many held results never push the owner's off the list: it is emailed on confirmation", async () => {
    const address = 'held.owner@example.com';
    const owner = await new Browser(stack.url).start();
    const mine = await uploadOnce(owner, stack.home, address);
    expect(mine.status).toBe(201);
    const stranger = await new Browser(stack.url).start();
    // Two rounds (a session has at most 100 grants in flight), each posted once the round is granted.
    for (const round of [55, 55]) {
      const grants = [];
      for (let i = 0; i < round; i += 1) {
        const grant = await stranger.grant({ fileName: 'x.png', size: GIF.length, email: address });
        expect(grant.status).toBe(201);
        grants.push(grant.json['upload']);
      }
      for (const upload of grants) expect((await Browser.post(upload, GIF)).status).toBe(204);
      await pipelineIdle(stack.home, 1500, 240_000);
    }
    expect(await mailsTo(stack.home, ADMIN)).toHaveLength(110); // one failure each, all held for the address
    const confirmed = await owner.confirm(await linkFor(stack.home, address, mine.name));
    expect(confirmed.json).toEqual({ confirmed: true, results: { emailed: 1, waiting: 0 } });
    await pipelineIdle(stack.home);
    const results = (await mailsTo(stack.home, address)).filter((m) => m.mail.subject !== CONFIRM_SUBJECT);
    expect(results.map((m) => m.mail.subject)).toEqual(['Your 3D model is ready']);
  }, 400_000);
});
