import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Read-your-writes across database nodes. Every write response carries the position of its commit in
 * `X-Consistency-Token` (a GTID position: MariaDB `@@last_gtid`, MySQL `@@gtid_executed`; on Galera a
 * marker, since every node orders every commit); a read presenting it is served only by a node that
 * has applied it. Clients that ignore the header read as before.
 */
export const CONSISTENCY_HEADER = 'X-Consistency-Token';

/** What one request presented and wrote; kept for the request's whole async call tree. */
export interface RequestConsistency {
  /** The token the client presented (valid syntax), if any. */
  presented?: string;
  /** The client presented something that is no token: read from the primary, never fail. */
  invalid?: boolean;
  /** The position of this request's last committed write, for the response. */
  written?: string;
}

// GTID positions and sets: MariaDB `0-1-42,1-2-7`, MySQL `3e11fa47-...:1-5:7,...` (8.4 tags too).
const TOKEN_SYNTAX = /^[0-9A-Za-z_:,-]{1,4096}$/;

const storage = new AsyncLocalStorage<RequestConsistency>();

/** The request's consistency context from its header value(s). */
export function consistencyOf(header: string | string[] | undefined): RequestConsistency {
  const value = Array.isArray(header) ? header[header.length - 1] : header;
  if (value === undefined || value.trim() === '') {
    return {};
  }
  const token = value.trim();
  return TOKEN_SYNTAX.test(token) ? { presented: token } : { invalid: true };
}

export function runWithConsistency<T>(context: RequestConsistency, work: () => T): T {
  return storage.run(context, work);
}

/** The current request's context; undefined outside a request (dispatcher, start-up). */
export function currentConsistency(): RequestConsistency | undefined {
  return storage.getStore();
}
