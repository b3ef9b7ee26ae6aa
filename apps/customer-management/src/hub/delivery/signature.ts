import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the delivery signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'X-Hub-Signature';

/**
 * Signs a delivery: HMAC-SHA256 with the subscription's secret over `<t>.<body>`, where `t` is the
 * Unix time in seconds of the attempt (so a receiver can refuse replays older than a few minutes).
 */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * Verifies a signature header as a subscriber would (docs/hub.md shows the same steps): the
 * timestamp is within `toleranceS` of `nowS` and one `v1` matches.
 */
export function verifySignature(
  secret: string,
  body: string,
  header: string,
  nowS: number,
  toleranceS = 300,
): boolean {
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowS - t) > toleranceS) {
    return false;
  }
  const expected = Buffer.from(
    createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'),
    'utf8',
  );
  return parts
    .filter(([k]) => k === 'v1')
    .some(([, v]) => {
      const given = Buffer.from(v ?? '', 'utf8');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}
