import { DataSource } from 'typeorm';

import { RawRequest, rawRequest, RawResponse, tmfErrorProblem } from '@test/support/raw-http';
import { storeChecksum } from '@test/support/store-checksum';

/** What one fuzz target saw. */
export interface TargetStats {
  cases: number;
  /** Requests the server accepted (2xx writes), each checked against what it then stored. */
  accepted: number;
  statuses: Map<number, number>;
}

export interface FuzzedServer {
  baseUrl: string;
  dataSource: DataSource;
}

function describeCase(req: RawRequest): string {
  const body =
    req.body === undefined
      ? ''
      : ` body(${Buffer.byteLength(req.body)} B)=${String(req.body).slice(0, 300)}`;
  return `${req.method} ${req.path.slice(0, 300)} ${JSON.stringify(req.headers ?? {})}${body}`;
}

/**
 * Sends fuzz cases to the running server and checks the properties every answer must have:
 * status < 500 (501 only where the caller allows it), a TMF Error body on every 4xx, and the
 * store checksum (all customer, search-index and hub rows) unchanged by every rejected request
 * and every read. Accepted writes are the caller's to verify; it then calls `accept`.
 */
export class HttpFuzzer {
  readonly stats = new Map<string, TargetStats>();
  private baseline = '';

  constructor(private readonly server: FuzzedServer) {}

  async refreshBaseline(): Promise<void> {
    this.baseline = await storeChecksum(this.server.dataSource);
  }

  /** After an accepted write was verified (and cleaned up): the store's new state is the reference. */
  async accept(target: string): Promise<void> {
    this.statsOf(target).accepted++;
    await this.refreshBaseline();
  }

  async send(
    target: string,
    req: RawRequest,
    options: { allowNotImplemented?: boolean; storesNothing?: boolean } = {},
  ): Promise<RawResponse> {
    const stats = this.statsOf(target);
    const res = await rawRequest(this.server.baseUrl, req);
    stats.cases++;
    stats.statuses.set(res.status, (stats.statuses.get(res.status) ?? 0) + 1);
    const notImplemented =
      res.status === 501 &&
      options.allowNotImplemented === true &&
      res.json?.code === 'QUERY_FILTER_NOT_IMPLEMENTED';
    if (res.status >= 500 && !notImplemented) {
      throw new Error(`${res.status} for ${describeCase(req)}\n=> ${res.text.slice(0, 500)}`);
    }
    if (res.status >= 400) {
      const problem = tmfErrorProblem(res);
      if (problem) {
        throw new Error(`${res.status} without a TMF Error (${problem}) for ${describeCase(req)}`);
      }
    }
    const write =
      !options.storesNothing && !['GET', 'HEAD', 'OPTIONS'].includes(req.method.toUpperCase());
    if (res.status >= 400 || !write) {
      const after = await storeChecksum(this.server.dataSource);
      if (after !== this.baseline) {
        throw new Error(`the store changed after ${res.status} for ${describeCase(req)}`);
      }
    }
    return res;
  }

  /** One line per target: cases, accepted writes, statuses seen. */
  summary(label: string): string {
    const lines = [...this.stats.entries()].map(([target, s]) => {
      const statuses = [...s.statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([status, n]) => `${status}×${n}`)
        .join(' ');
      return `FUZZ [${label}] ${target}: ${s.cases} cases, ${s.accepted} accepted writes verified; ${statuses}`;
    });
    const all = [...this.stats.values()];
    const total = all.reduce((n, s) => n + s.cases, 0);
    const accepted = all.reduce((n, s) => n + s.accepted, 0);
    const failed = all.reduce(
      (n, s) =>
        n +
        [...s.statuses]
          .filter(([status]) => status >= 500 && status !== 501)
          .reduce((a, [, c]) => a + c, 0),
      0,
    );
    lines.push(
      `FUZZ [${label}] total: ${total} cases, ${accepted} accepted writes verified, ${failed} answers >= 500 (501 for filter= aside)`,
    );
    return lines.join('\n');
  }

  private statsOf(target: string): TargetStats {
    let stats = this.stats.get(target);
    if (!stats) {
      stats = { cases: 0, accepted: 0, statuses: new Map() };
      this.stats.set(target, stats);
    }
    return stats;
  }
}
