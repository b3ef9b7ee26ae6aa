import { createHmac } from 'node:crypto';

import { KeysetCursorCodec } from './keyset-cursor';

const SECRET = 'k'.repeat(32);
const codec = new KeysetCursorCodec(SECRET);
const SCOPE = 'status=active&sort=-validFor.startDateTime';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

/** A cursor signed with the codec's scheme but an arbitrary payload (what a leaked secret allows). */
function signed(payload: unknown[]): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const mac = createHmac('sha256', SECRET)
    .update(`tmf-keyset-cursor:${body}`)
    .digest()
    .subarray(0, 16);
  return `${body}.${mac.toString('base64url')}`;
}

describe(KeysetCursorCodec.name, () => {
  it('round-trips the direction and every kind of key value', () => {
    const position = {
      direction: 'before' as const,
      values: ['Zoë 😀', 1706745600000, -0.5, null, Buffer.from([0, 255, 7]), 'c0001'],
    };
    const token = codec.encode(position, SCOPE);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const decoded = codec.decode(token, SCOPE);
    expect(decoded.direction).toBe('before');
    expect(decoded.values.map((v) => (v instanceof Uint8Array ? [...v] : v))).toEqual([
      'Zoë 😀',
      1706745600000,
      -0.5,
      null,
      [0, 255, 7],
      'c0001',
    ]);
  });

  it('refuses altered, foreign, malformed and other-query cursors with QUERY_INVALID_CURSOR', () => {
    const token = codec.encode({ direction: 'after', values: ['a', 'c1'] }, SCOPE);
    const [body, mac] = token.split('.');
    const flipped = (text: string) => (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
    const cases = [
      `${flipped(body)}.${mac}`,
      `${body}.${flipped(mac)}`,
      `${body}.`,
      'not a cursor',
      `${body}.${mac}.x`,
      'x'.repeat(5000),
      new KeysetCursorCodec('o'.repeat(32)).encode({ direction: 'after', values: ['a'] }, SCOPE),
    ];
    for (const bad of cases) {
      expect(code(() => codec.decode(bad, SCOPE))).toBe('QUERY_INVALID_CURSOR');
    }
    expect(code(() => codec.decode(token, 'status=active&sort=validFor.startDateTime'))).toBe(
      'QUERY_INVALID_CURSOR',
    );
    expect(() => codec.decode(token, 'status=active&sort=validFor.startDateTime')).toThrow(
      /another query/,
    );
  });

  it('refuses a cursor of another format version, or a signed payload it never writes', () => {
    const print = codec.encode({ direction: 'after', values: [] }, SCOPE).split('.')[0];
    const fingerprint = JSON.parse(Buffer.from(print, 'base64url').toString())[2] as string;
    expect(() => codec.decode(signed([2, 'a', fingerprint, 'x']), SCOPE)).toThrow(
      /no longer reads/,
    );
    for (const payload of [
      [1, 'z', fingerprint, 'x'],
      [1, 'a', fingerprint, { nested: true }],
      [1, 'a', fingerprint, [1]],
      { not: 'an array' },
    ]) {
      expect(code(() => codec.decode(signed(payload as unknown[]), SCOPE))).toBe(
        'QUERY_INVALID_CURSOR',
      );
    }
  });

  it('needs a secret of at least 32 bytes', () => {
    expect(() => new KeysetCursorCodec('short')).toThrow(/32 bytes/);
  });
});
