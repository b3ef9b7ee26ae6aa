import { Agent, IncomingHttpHeaders, request } from 'node:http';

/** One request of a closed-loop run; `kind` groups its latency in the result. */
export interface LoadRequest {
  kind: string;
  method: string;
  path: string;
  body?: string;
  /** Called with the response (body read only when this is set). */
  onResponse?: (status: number, headers: IncomingHttpHeaders, body: string) => void;
}

export interface KindStats {
  /** Latencies in milliseconds, in completion order. */
  latencies: number[];
  non2xx: number;
  errors: number;
}

/** Latency percentile (nearest rank) in milliseconds, 0 when there is none. */
export function percentile(latencies: readonly number[], p: number): number {
  if (latencies.length === 0) {
    return 0;
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * A closed-loop load: `connections` keep-alive connections, each sending its next request as soon as
 * the previous one is answered, for `durationMs`. Unlike autocannon it records each request's
 * latency under its own kind, so reads and the writes mixed among them are reported apart.
 */
export async function closedLoop(
  baseUrl: string,
  connections: number,
  durationMs: number,
  next: () => LoadRequest,
): Promise<Map<string, KindStats>> {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const stats = new Map<string, KindStats>();
  const statsOf = (kind: string) => {
    let s = stats.get(kind);
    if (!s) {
      s = { latencies: [], non2xx: 0, errors: 0 };
      stats.set(kind, s);
    }
    return s;
  };
  const send = (r: LoadRequest) =>
    new Promise<void>((resolve) => {
      const started = process.hrtime.bigint();
      const s = statsOf(r.kind);
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: r.method,
          path: r.path,
          headers: r.body
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) }
            : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => r.onResponse && chunks.push(chunk));
          res.on('end', () => {
            s.latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              s.non2xx++;
            }
            r.onResponse?.(status, res.headers, Buffer.concat(chunks).toString('utf8'));
            resolve();
          });
        },
      );
      req.on('error', () => {
        s.errors++;
        resolve();
      });
      req.end(r.body);
    });
  const deadline = Date.now() + durationMs;
  const loop = async () => {
    while (Date.now() < deadline) {
      await send(next());
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, loop));
  } finally {
    agent.destroy();
  }
  return stats;
}
