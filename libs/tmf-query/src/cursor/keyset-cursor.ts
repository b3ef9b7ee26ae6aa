import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

import { QueryErrorCode, QueryException } from '@app/tmf-query/errors';
import { KeysetPosition, KeyValue } from '@app/tmf-query/sql';

/** The cursor format this code writes and reads; a cursor of another version is refused (400). */
const VERSION = 1;
/** Bytes of HMAC-SHA256 kept in a cursor: 128 bits, far beyond guessing. */
const MAC_BYTES = 16;
/** Bytes of the query fingerprint kept in a cursor (only to name the error; the MAC covers it). */
const FINGERPRINT_BYTES = 8;
/** Longest cursor accepted: the sort values of one row (a 512-byte name at most, a few dates). */
const MAX_CURSOR_LENGTH = 4096;
const TOKEN = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

type EncodedValue = string | number | null | { b: string };

/**
 * Opaque, tamper-proof keyset cursors (`cursor=` of the Link header's `next` / `prev`):
 * `base64url(payload).base64url(mac)`, the payload holding the format version, the direction, a
 * fingerprint of the query it belongs to and the sort key values of the page's edge row (id last),
 * the MAC an HMAC-SHA256 of the payload under the server's secret. A cursor cannot be forged or
 * altered without the secret, nor replayed on another query (another filter, sort or fields): both
 * are a 400 `QUERY_INVALID_CURSOR`, like a malformed one or one of another format version. The
 * values are not secret (the client read them in the page), only protected.
 */
export class KeysetCursorCodec {
  private readonly secret: Buffer;

  /** @param secret at least 32 bytes; every replica serving the same clients needs the same one */
  constructor(secret: string | Uint8Array) {
    this.secret = Buffer.from(secret);
    if (this.secret.length < 32) {
      throw new Error('A cursor secret needs at least 32 bytes');
    }
  }

  /**
   * @param scope the query the cursor belongs to, in a canonical text (e.g. its parameters other
   *   than the cursor and the page: filter, sort, fields)
   */
  encode(position: KeysetPosition, scope: string): string {
    const payload = [
      VERSION,
      position.direction === 'after' ? 'a' : 'b',
      fingerprint(scope),
      ...position.values.map(encodeValue),
    ];
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** @throws QueryException `QUERY_INVALID_CURSOR` for any cursor this server did not issue for `scope` */
  decode(token: string, scope: string): KeysetPosition {
    const parts = token.length <= MAX_CURSOR_LENGTH ? TOKEN.exec(token) : null;
    if (!parts) {
      throw invalid('is malformed');
    }
    const [, body, mac] = parts;
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalid('was not issued by this service or was altered');
    }
    const payload = parsePayload(body);
    if (payload[0] !== VERSION) {
      throw invalid('has a format this server no longer reads; start again from the first page');
    }
    const [, direction, print, ...values] = payload;
    if ((direction !== 'a' && direction !== 'b') || typeof print !== 'string') {
      throw invalid('is malformed');
    }
    if (print !== fingerprint(scope)) {
      throw invalid('belongs to another query (filter, sort or fields differ)');
    }
    return { direction: direction === 'a' ? 'after' : 'before', values: values.map(decodeValue) };
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.secret)
      .update(`tmf-keyset-cursor:${body}`)
      .digest()
      .subarray(0, MAC_BYTES);
  }
}

function fingerprint(scope: string): string {
  return createHash('sha256')
    .update(scope)
    .digest()
    .subarray(0, FINGERPRINT_BYTES)
    .toString('base64url');
}

function encodeValue(value: KeyValue): EncodedValue {
  return value instanceof Uint8Array ? { b: Buffer.from(value).toString('base64url') } : value;
}

function decodeValue(value: unknown): KeyValue {
  if (
    value === null ||
    typeof value === 'string' ||
    (typeof value === 'number' && isFinite(value))
  ) {
    return value;
  }
  if (typeof value === 'object' && typeof (value as { b?: unknown }).b === 'string') {
    return Buffer.from((value as { b: string }).b, 'base64url');
  }
  throw invalid('is malformed');
}

function parsePayload(body: string): unknown[] {
  try {
    const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (Array.isArray(payload)) {
      return payload as unknown[];
    }
  } catch {
    // Reported below: a MAC-valid payload that does not parse is a format this code never wrote.
  }
  throw invalid('is malformed');
}

function invalid(reason: string): QueryException {
  return new QueryException(QueryErrorCode.InvalidCursor, `The 'cursor' ${reason}`);
}
