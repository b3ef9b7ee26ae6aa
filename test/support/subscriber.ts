import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

/** One POST a test subscriber received. */
export interface Receipt {
  at: number;
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  body: any;
}

/**
 * What the subscriber does with a request: a status to answer, `'hang'` to never answer (the
 * connection stays open until the dispatcher's timeout), or `'drop'` to destroy the socket.
 */
export type Behaviour = (receipt: Receipt, index: number) => number | 'hang' | 'drop';

/**
 * A small node:http subscriber on 127.0.0.1 that records every POST it gets. It can be stopped
 * (connection refused) and started again on the same port.
 */
export class TestSubscriber {
  readonly receipts: Receipt[] = [];
  behaviour: Behaviour = () => 201;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  private waiters: (() => void)[] = [];

  private constructor(public port: number) {}

  static async start(port = 0): Promise<TestSubscriber> {
    const subscriber = new TestSubscriber(port);
    await subscriber.listen();
    return subscriber;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/events`;
  }

  /** The same endpoint by host name (for the SSRF tests). */
  urlWithHost(host: string): string {
    return `http://${host}:${this.port}/events`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  async listen(): Promise<void> {
    const server = createServer((request, response) => this.handle(request, response));
    server.keepAliveTimeout = 5000;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts every connection: the next attempts get ECONNREFUSED. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) {
      return;
    }
    for (const response of this.hanging) {
      response.destroy();
    }
    this.hanging.clear();
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Bodies received, optionally only those of one event type. */
  events(eventType?: string): any[] {
    return this.receipts
      .map((r) => r.body)
      .filter((b) => eventType === undefined || b?.eventType === eventType);
  }

  distinctEventIds(): Set<string> {
    return new Set(this.receipts.map((r) => r.body?.eventId as string));
  }

  /** Resolves once `predicate` holds (checked on every receipt), or rejects after `timeoutMs`. */
  async waitFor(predicate: (s: TestSubscriber) => boolean, timeoutMs = 10000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `subscriber on port ${this.port}: condition not met within ${timeoutMs} ms (${this.receipts.length} receipts)`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitForCount(count: number, timeoutMs = 10000): Promise<void> {
    await this.waitFor((s) => s.receipts.length >= count, timeoutMs);
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const receipt: Receipt = {
        at: Date.now(),
        path: request.url ?? '',
        headers: request.headers,
        raw,
        body,
      };
      const index = this.receipts.length;
      this.receipts.push(receipt);
      const waiters = this.waiters;
      this.waiters = [];
      waiters.forEach((w) => w());
      const action = this.behaviour(receipt, index);
      if (action === 'hang') {
        this.hanging.add(response);
        response.on('close', () => this.hanging.delete(response));
        return;
      }
      if (action === 'drop') {
        request.socket.destroy();
        return;
      }
      response.statusCode = action;
      response.end();
    });
  }
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true, or throws after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`${what} not met within ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}
