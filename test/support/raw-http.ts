import { IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';

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

export interface StreamedUpload {
  /** The status line's code, or 0 when no complete answer arrived. */
  status: number;
  /** Everything the server sent (status line, headers, body). */
  response: string;
  /** Why the exchange failed for a client that writes its whole body before reading (EPIPE, ...). */
  failure?: string;
}

/**
 * Uploads a `size`-byte body on a raw socket the way many clients do (Python `requests`, curl without
 * `Expect`): the whole body first, as fast as the server takes it, and only then the answer. The
 * exchange fails when the socket errors before the last byte is handed over (the client never reads
 * the answer) or no complete answer (headers and Content-Length body) follows.
 */
export function streamUpload(
  baseUrl: string,
  req: {
    method: string;
    path: string;
    headers: Record<string, string>;
    size: number;
    /** Stop writing after this many body bytes (a stalled client). */
    stallAfter?: number;
  },
  timeoutMs = 30000,
): Promise<StreamedUpload> {
  const url = new URL(baseUrl);
  const chunk = Buffer.alloc(64 * 1024, 0x20); // spaces: JSON whitespace, never a complete document
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const received: Buffer[] = [];
    let uploaded = false;
    let settled = false;
    const finish = (failure?: string) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(received).toString('latin1');
      const complete = completeAnswer(text);
      resolve({
        status: complete ? Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0) : 0,
        response: text,
        failure:
          failure ??
          (!complete
            ? 'closed without a complete answer'
            : uploaded
              ? undefined
              : 'closed before the whole body was sent'),
      });
    };
    const timer = setTimeout(() => finish(`still open after ${timeoutMs} ms`), timeoutMs);
    socket.on('data', (data: Buffer) => {
      received.push(data);
      if (uploaded && completeAnswer(Buffer.concat(received).toString('latin1'))) {
        finish();
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish(`${err.code ?? err.message} ${uploaded ? 'after' : 'before'} the whole body was sent`),
    );
    socket.on('close', () => finish());
    const head = Object.entries({ ...req.headers, 'content-length': String(req.size) })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`${req.method} ${req.path} HTTP/1.1\r\nhost: ${url.host}\r\n${head}\r\n`);
    let sent = 0;
    const pump = () => {
      while (!settled && sent < Math.min(req.size, req.stallAfter ?? req.size)) {
        const piece = chunk.subarray(0, Math.min(chunk.length, req.size - sent));
        sent += piece.length;
        const last = sent === req.size;
        const flushed = socket.write(piece, (err) => {
          if (last && !err) {
            uploaded = true;
            if (completeAnswer(Buffer.concat(received).toString('latin1'))) {
              finish();
            }
          }
        });
        if (!flushed) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}
/** A status line, headers and as many body bytes as Content-Length says. */
function completeAnswer(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) {
    return false;
  }
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1];
  return length !== undefined && Buffer.byteLength(text.slice(end + 4), 'latin1') >= Number(length);
}
