import { IncomingHttpHeaders, request } from 'node:http';

export interface RawRequest {
  method: string;
  /** Sent as is: any byte from 0x21 to 0xff (Node refuses others), bad percent-encodings included. */
  path: string;
  /** Exactly these headers (no Content-Type is added: a body without one is a test case). */
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined. */
  json: any;
  ms: number;
}

/**
 * One HTTP/1.1 request on a fresh connection, with full control over the path, the headers and
 * the body bytes (fetch would normalize them). Rejects after `timeoutMs` without an answer.
 */
export function rawRequest(
  baseUrl: string,
  req: RawRequest,
  timeoutMs = 30000,
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...(req.headers ?? {}) };
    if (req.body !== undefined) {
      headers['content-length'] = Buffer.byteLength(req.body);
    }
    const client = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers,
        agent: false,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            json,
            ms: performance.now() - started,
          });
        });
      },
    );
    client.on('timeout', () => client.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    client.on('error', reject);
    client.end(req.body);
  });
}

/** Why a response is not a TMF Error body matching its status, or undefined when it is one. */
export function tmfErrorProblem(res: RawResponse): string | undefined {
  if (!/^application\/json/.test(String(res.headers['content-type']))) {
    return `content-type ${res.headers['content-type']}`;
  }
  const body = res.json as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') {
    return `body is not a JSON object: ${res.text.slice(0, 200)}`;
  }
  for (const key of ['code', 'reason', 'message', 'status']) {
    if (typeof body[key] !== 'string' || body[key] === '') {
      return `${key} missing or not a string: ${res.text.slice(0, 200)}`;
    }
  }
  if (body.status !== String(res.status)) {
    return `status ${String(body.status)} in the body, ${res.status} on the wire`;
  }
  return undefined;
}
