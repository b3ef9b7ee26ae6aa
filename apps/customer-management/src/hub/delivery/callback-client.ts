import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

import { Injectable, OnApplicationShutdown } from '@nestjs/common';

import { AppConfig } from '@server/config/app-config';

import { signatureHeader, SIGNATURE_HEADER } from './signature';
import { CallbackAddressPolicy, guardedLookup, hostOf, SsrfRefusedError } from './ssrf-guard';

/** What one POST to a callback came to. */
export interface DeliveryOutcome {
  ok: boolean;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** Short description of the failure, for the delivery row and the logs. */
  error?: string;
  /** Retrying cannot help (the SSRF policy refused the address): dead-letter at once. */
  permanent?: boolean;
  /** `Retry-After` of a 429/503, in milliseconds. */
  retryAfterMs?: number;
  /** The attempt was cut short by shutdown: release the claim, do not count the attempt. */
  aborted?: boolean;
}

export interface DeliveryRequest {
  callback: string;
  body: string;
  eventId: string;
  secret: string | null;
  timeoutMs: number;
  signal?: AbortSignal;
}

const USER_AGENT = 'tmf629-customer-management-hub/1';
const ERROR_BODY_BYTES = 512;

/**
 * POSTs events to callbacks with node:http(s): keep-alive agents, one deadline per attempt (connect,
 * request and response together), no redirects, and the SSRF policy applied when each connection is
 * made (IP literals before connecting, names through a guarded DNS lookup).
 */
@Injectable()
export class CallbackClient implements OnApplicationShutdown {
  readonly policy: CallbackAddressPolicy;
  private readonly lookup: ReturnType<typeof guardedLookup>;
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(config: AppConfig) {
    this.policy = new CallbackAddressPolicy(config.hub.callbackAllow);
    this.lookup = guardedLookup(this.policy);
    const agentOptions = { keepAlive: true, maxSockets: 64, scheduling: 'lifo' as const };
    this.httpAgent = new HttpAgent(agentOptions);
    this.httpsAgent = new HttpsAgent(agentOptions);
  }

  onApplicationShutdown(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  async post(delivery: DeliveryRequest): Promise<DeliveryOutcome> {
    let url: URL;
    try {
      url = new URL(delivery.callback);
    } catch {
      return { ok: false, permanent: true, error: 'callback is not a valid URL' };
    }
    const host = hostOf(url);
    if (isIP(host) !== 0) {
      const refused = this.policy.refusal(host);
      if (refused) {
        return { ok: false, permanent: true, error: `SSRF policy: ${refused}` };
      }
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(delivery.body)),
      'user-agent': USER_AGENT,
      'x-event-id': delivery.eventId,
    };
    if (delivery.secret) {
      headers[SIGNATURE_HEADER] = signatureHeader(
        delivery.secret,
        delivery.body,
        Math.floor(Date.now() / 1000),
      );
    }
    const https = url.protocol === 'https:';
    return new Promise<DeliveryOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: DeliveryOutcome) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          delivery.signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
        }
      };
      const request = (https ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        headers,
        agent: https ? this.httpsAgent : this.httpAgent,
        lookup: this.lookup,
      });
      const timer = setTimeout(() => {
        finish({ ok: false, error: `no response within ${delivery.timeoutMs} ms` });
        request.destroy();
      }, delivery.timeoutMs);
      const onAbort = () => {
        finish({ ok: false, aborted: true, error: 'aborted by shutdown' });
        request.destroy();
      };
      delivery.signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (err: Error) => {
        if (err instanceof SsrfRefusedError) {
          finish({ ok: false, permanent: true, error: `SSRF policy: ${err.message}` });
          return;
        }
        const code = (err as NodeJS.ErrnoException).code;
        finish({ ok: false, error: code ? `${code}: ${err.message}` : err.message });
      });
      request.on('response', (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < ERROR_BODY_BYTES) {
            chunks.push(chunk);
            size += chunk.length;
          }
        });
        response.on('error', () => finish({ ok: false, status, error: 'response aborted' }));
        response.on('end', () => {
          if (status >= 200 && status < 300) {
            finish({ ok: true, status });
            return;
          }
          const text = Buffer.concat(chunks).toString('utf8').slice(0, ERROR_BODY_BYTES);
          finish({
            ok: false,
            status,
            error: `HTTP ${status}${text ? `: ${text.replace(/\s+/g, ' ')}` : ''}`,
            retryAfterMs: retryAfterMs(response.headers['retry-after']),
          });
        });
      });
      request.end(delivery.body);
    });
  }
}

function retryAfterMs(header: string | undefined): number | undefined {
  if (!header) {
    return undefined;
  }
  if (/^\d+$/.test(header.trim())) {
    return Number(header.trim()) * 1000;
  }
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
