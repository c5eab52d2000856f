import type { FailureDocument, JobReport } from '@gen3d/events';
import { jobReportOf, workerReportOf } from '@gen3d/events/testing';
import { adminFailureEmail, successEmail, userFailureEmail } from './emails';

const report = jobReportOf({
  jobId: '0123456789abcdef',
  input: { bucket: 'gen3d-data-bucket', key: 'users/u1/input/chair.png' },
  output: { bucket: 'gen3d-data-bucket', meshKey: 'users/u1/output/chair.ply', bytes: 3 * 1024 * 1024 },
  worker: workerReportOf({ mesh: { vertices: 1200, faces: 2396, watertight: true } }),
  timingsMs: { total: 2345 },
});

const failure: FailureDocument = {
  version: 1,
  jobId: '0123456789abcdef' as FailureDocument['jobId'],
  userId: 'u1' as FailureDocument['userId'],
  input: { bucket: 'gen3d-data-bucket', key: 'users/u1/input/<b>chair</b>.png' },
  stage: 'validation',
  error: { type: 'NotAPngError', message: 'the upload is not a PNG: it looks like a JPEG image' },
  retryable: false,
  failedAt: '2026-11-26T12:00:00.000Z',
};

describe('emails', () => {
  it.each([
    [{ source: 'alpha', area: 1 }, "the picture's transparency"],
    [{ source: 'user-mask', area: 1 }, 'the mask you gave'],
    [
      { source: 'segmentation', area: 1, segmenter: { path: 'classic', model: 'isnet-medium' } },
      'segmentation without a learned model',
    ],
    [
      { source: 'segmentation', area: 1, segmenter: { path: 'learned', model: 'isnet-medium' } },
      'a learned segmentation model (isnet-medium)',
    ],
  ])('says which path found the object (%j)', (mask, said) => {
    const worker = { ...report.worker, mask } as JobReport['worker'];
    const email = successEmail({
      name: 'cat',
      report: { ...report, worker },
      meshBytes: 1,
      link: 'https://x',
      expiresAt: undefined,
    });
    expect(email.text).toContain(`Object found by: ${said}`);
  });

  it('says what was made, honestly, with the link in both parts', () => {
    const email = successEmail({
      name: 'chair <1>',
      report,
      meshBytes: 3 * 1024 * 1024,
      link: 'https://example.com/x.ply?X-Amz-Signature=abc&a=1',
      expiresAt: new Date('2026-12-03T12:00:00Z'),
    });
    expect(email.subject).toBe('Your 3D model is ready');
    expect(email.text).toContain('silhouette inflation (geometric, no learned model)');
    expect(email.text).toContain('1200 vertices, 2396 triangles');
    expect(email.text).toContain('2.3 s');
    expect(email.text).toContain('https://example.com/x.ply?X-Amz-Signature=abc&a=1');
    expect(email.html).toContain('chair &#60;1&#62;');
    expect(email.html).not.toContain('chair <1>');
    expect(email.html).toContain('href="https://example.com/x.ply?X-Amz-Signature=abc&#38;a=1"');
  });

  it('shows the thumbnail inline, says so in the text, and says until when the files are kept', () => {
    const thumbnail = Uint8Array.from([0x89, 0x50, 0x4e, 0x47]);
    const email = successEmail({
      name: 'chair "1"',
      report,
      meshBytes: 1,
      link: 'https://x',
      expiresAt: undefined,
      thumbnail,
      keptUntil: new Date('2027-01-05T09:00:00Z'),
    });
    expect(email.inlineImages).toEqual([
      { cid: 'thumbnail@gen3d', contentType: 'image/png', bytes: thumbnail, fileName: 'thumbnail.png' },
    ]);
    expect(email.html).toContain(
      '<img src="cid:thumbnail@gen3d" alt="A picture of the 3D model of chair &#34;1&#34;.png" width="256" height="256">',
    );
    expect(email.text).toContain('A picture of the model is in this email');
    expect(email.text).toContain('Your files are kept until 5 January 2027');
    expect(email.html).toContain('Your files are kept until 5 January 2027');
    const plain = successEmail({
      name: 'chair',
      report,
      meshBytes: 1,
      link: 'https://x',
      expiresAt: undefined,
    });
    expect(plain.inlineImages).toBeUndefined();
    expect(plain.html).not.toContain('<img');
    expect(plain.text).not.toMatch(/picture of the model|kept until/);
  });

  it('tells the user the problem in plain words, without technical detail', () => {
    const email = userFailureEmail({ name: 'chair', failure });
    expect(email.text).toContain('not a PNG image');
    expect(email.text).toContain('Please upload another picture.');
    expect(email.text).not.toContain('JPEG');
  });

  it('gives the admin every technical detail, escaped in HTML', () => {
    const email = adminFailureEmail({ failure, recipientKnown: true });
    expect(email.subject).toBe('[Gen3D] job failed: NotAPngError at validation');
    expect(email.text).toContain('it looks like a JPEG image');
    expect(email.html).toContain('&#60;b&#62;chair&#60;/b&#62;');
  });
});

describe('subjects', () => {
  it.each([
    ['a line break that would add a header', 'chair\r\nBcc: everyone@example.com'],
    ['control characters', 'cha\u0000ir\u0007\u009b'],
    ['a right-to-left override that reverses the name', 'invoice\u202egnp.exe'],
    ['words a stranger chose', 'Your invoice is overdue pay at evil dot example'],
  ])('hold no text the uploader chose (%s): the name is quoted in the body only', (_what, name) => {
    for (const email of [
      successEmail({ name, report, meshBytes: 1, link: 'https://x', expiresAt: new Date() }),
      userFailureEmail({ name, failure }),
    ]) {
      expect(['Your 3D model is ready', 'We could not make your 3D model']).toContain(email.subject);
      expect(email.text).toContain(`"${name}.png"`);
    }
  });
});
