import { MIN_SIGNING_KEY_BYTES, SigningKeyError, signedTokens } from './signed-tokens';

const key = (fill: number) => new Uint8Array(MIN_SIGNING_KEY_BYTES).fill(fill);
const parse = (v: unknown) =>
  typeof v === 'object' && v !== null && typeof (v as { u?: unknown }).u === 'string'
    ? (v as { u: string })
    : undefined;

describe('signedTokens', () => {
  const tokens = signedTokens([key(1)], { parse, maxLength: 256 });

  it('verifies what it signed, in the one spelling it signed', () => {
    const token = tokens.sign({ u: 'ann' });
    expect(tokens.verify(token)).toEqual({ u: 'ann' });
    expect(tokens.verify(`${token}=`)).toBeUndefined();
    expect(tokens.verify(token.slice(0, -1))).toBeUndefined();
    expect(tokens.verify(`${token}.x`)).toBeUndefined();
  });

  it('refuses a token signed with another key, another domain, or whose claims do not parse', () => {
    const token = tokens.sign({ u: 'ann' });
    expect(signedTokens([key(2)], { parse, maxLength: 256 }).verify(token)).toBeUndefined();
    expect(
      signedTokens([key(1)], { parse, domain: 'other\n', maxLength: 256 }).verify(token),
    ).toBeUndefined();
    expect(signedTokens([key(1)], { parse: () => undefined, maxLength: 256 }).verify(token)).toBeUndefined();
  });

  it('refuses a token whose claims were edited, and one over the length limit', () => {
    const [, signature] = tokens.sign({ u: 'ann' }).split('.');
    const edited = Buffer.from(JSON.stringify({ u: 'bob' })).toString('base64url');
    expect(tokens.verify(`${edited}.${signature}`)).toBeUndefined();
    expect(tokens.verify(tokens.sign({ u: 'a'.repeat(300) }))).toBeUndefined();
  });

  it('signs with the first key and still accepts the ones before a rotation', () => {
    const old = signedTokens([key(1)], { parse, maxLength: 256 }).sign({ u: 'ann' });
    const rotated = signedTokens([key(2), key(1)], { parse, maxLength: 256 });
    expect(rotated.verify(old)).toEqual({ u: 'ann' });
    expect(
      signedTokens([key(1)], { parse, maxLength: 256 }).verify(rotated.sign({ u: 'ann' })),
    ).toBeUndefined();
  });

  it('refuses an empty or short key, and no key at all', () => {
    expect(() => signedTokens([new Uint8Array(0)], { parse, maxLength: 256 })).toThrow(SigningKeyError);
    expect(() => signedTokens([key(1).slice(1)], { parse, maxLength: 256 })).toThrow(SigningKeyError);
    expect(() => signedTokens([], { parse, maxLength: 256 })).toThrow(SigningKeyError);
  });
});
