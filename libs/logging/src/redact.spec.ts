import { redactText, redactValue } from './redact';

describe('redactText', () => {
  it.each([
    ['plain', 'to jane.doe+3d@example.com now'],
    ['an apostrophe in the local part', "o'brien@example.co.uk"],
    ['percent-encoded', 'GET /confirm?to=jane.doe%2B3d%40example.com&x=1'],
    ['percent-encoded twice', 'next=%2Fconfirm%3Fto%3Djane%2540example.com'],
    ['HTML-escaped (decimal)', '<td>jane&#64;example.com</td>'],
    ['HTML-escaped (hex, padded)', '<td>jane&#x0040;example&#46;com</td>'],
    ['HTML-escaped (named)', 'jane&commat;example&period;com'],
    ['JSON-escaped', '{"to":"jane\\u0040example.com"}'],
  ])('removes an address written %s', (_how, text) => {
    const out = redactText(text);
    expect(out).toContain('[email]');
    expect(out).not.toMatch(/jane|brien|example/);
  });

  const token = 'IQoJb3JpZ2luX2VjEOr%2F%2F%2F%2F%2FwEaCXVzLWVhc3QtMSJHMEUCIQ%3D%3D';
  const presigned =
    'https://b.s3.amazonaws.com/users/u1/output/a.ply?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
    `&X-Amz-Credential=ASIAEXAMPLE%2F20261126%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Security-Token=${token}` +
    '&X-Amz-Signature=abcdef0123456789&X-Amz-Expires=3600';

  it.each([
    ['as is', presigned],
    ['HTML-escaped with &amp;', presigned.replace(/&/g, '&amp;')],
    ['HTML-escaped with &#38;', presigned.replace(/&/g, '&#38;')],
    ['percent-encoded inside another URL', `https://web/#next=${encodeURIComponent(presigned)}`],
    [
      'percent-encoded twice',
      `https://web/?a=${encodeURIComponent(`https://x/?b=${encodeURIComponent(presigned)}`)}`,
    ],
  ])('removes the secrets of a presigned URL written %s, and keeps the rest', (_how, text) => {
    const out = redactText(text);
    expect(out).not.toMatch(/abcdef0123456789|ASIAEXAMPLE|IQoJb3JpZ2lu|EaCXVzLWVhc3Qt|MEUCIQ/);
    expect(out).toContain('[redacted]');
    expect(out).toMatch(/X-Amz-Expires(=|%3D|%253D)3600/);
    expect(out).toContain('users');
  });
});

describe('redactValue', () => {
  it('redacts at any depth, and never passes a too-deep value through', () => {
    let deep: unknown = { to: 'deep@example.com' };
    for (let i = 0; i < 40; i += 1) deep = { next: deep, list: [`level${i}@example.com`] };
    const text = JSON.stringify(redactValue(deep));
    expect(text).not.toContain('example.com');
    expect(text).toContain('[too deep]');
    let twelve: unknown = { to: 'twelve@example.com' };
    for (let i = 0; i < 12; i += 1) twelve = { next: twelve };
    expect(JSON.stringify(redactValue(twelve))).toContain('"to":"[email]"');
  });

  it('handles cycles and error causes', () => {
    const cyclic: Record<string, unknown> = { to: 'a@example.com' };
    cyclic['self'] = cyclic;
    expect(redactValue(cyclic)).toEqual({ to: '[email]', self: '[circular]' });
    const error = new Error('outer', { cause: new Error('SES refused jane@example.com') });
    expect(JSON.stringify(redactValue(error))).not.toContain('jane@example.com');
  });
});
