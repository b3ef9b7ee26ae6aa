// Slow clients (slowloris): connections that trickle their headers or body, or send nothing, are
// cut by the server at HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS (with a TMF 408), idle
// keep-alive connections at HTTP_KEEPALIVE_TIMEOUT_MS, never more than HTTP_MAX_CONNECTIONS are
// held, and normal requests keep being served meanwhile.
import { connect, Socket } from 'node:net';

import { sleep } from '@test/support/subscriber';
import { minimalCustomer } from '@test/fixtures/customers';

import { CUSTOMER_PATH } from './support/customers';
import { TestApp } from './support/test-app';

const HEADERS_TIMEOUT = 1000;
const REQUEST_TIMEOUT = 2000;
const KEEPALIVE_TIMEOUT = 1000;
/** Node checks the deadlines once a second (connectionsCheckingInterval): expected lateness. */
const SLACK = 2000;
/**
 * How long a test waits for the server to cut a connection before calling it held for good. Not a
 * latency bound (this machine may be loaded): a server that never cuts would hold them forever.
 */
const GIVE_UP = 20000;

type Style = 'headers' | 'body' | 'silent';

interface SlowConnection {
  style: Style;
  openedAt: number;
  closedAt?: number;
  received: string;
}

/** Opens a connection that sends its request far too slowly (or not at all) and never gives up. */
function slowConnection(port: number, style: Style): SlowConnection {
  const conn: SlowConnection = { style, openedAt: Date.now(), received: '' };
  const socket: Socket = connect(port, '127.0.0.1');
  let timer: NodeJS.Timeout | undefined;
  socket.on('connect', () => {
    if (style === 'headers') {
      socket.write(`GET ${CUSTOMER_PATH} HTTP/1.1\r\nHost: x\r\n`);
      timer = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
    } else if (style === 'body') {
      socket.write(
        `POST ${CUSTOMER_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`,
      );
      timer = setInterval(() => socket.write(' '), 200);
    }
  });
  socket.on('data', (d: Buffer) => (conn.received += d.toString()));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    clearInterval(timer);
    conn.closedAt = Date.now();
  });
  return conn;
}

/** Waits until every connection is closed, or GIVE_UP has passed. */
async function closedAll(conns: SlowConnection[]): Promise<void> {
  const until = Date.now() + GIVE_UP;
  while (conns.some((c) => c.closedAt === undefined) && Date.now() < until) {
    await sleep(100);
  }
}

function portOf(app: TestApp): number {
  return Number(new URL(app.baseUrl).port);
}

describe('slow clients cannot exhaust the server', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT),
      HTTP_KEEPALIVE_TIMEOUT_MS: String(KEEPALIVE_TIMEOUT),
      HTTP_MAX_CONNECTIONS: '400',
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it('cuts 300 slow connections at their deadline while normal requests are served', async () => {
    const port = portOf(app);
    const slow = (['headers', 'body', 'silent'] as const).flatMap((style) =>
      Array.from({ length: 100 }, () => slowConnection(port, style)),
    );
    const served: number[] = [];
    const until = Date.now() + REQUEST_TIMEOUT + SLACK;
    while (Date.now() < until) {
      const write = await app.request('POST', CUSTOMER_PATH, { body: minimalCustomer() });
      const read = await app.request('GET', `${CUSTOMER_PATH}?limit=5`);
      served.push(write.status, read.status);
      await sleep(20);
    }
    await closedAll(slow);

    const deadline: Record<Style, number> = {
      headers: HEADERS_TIMEOUT,
      body: REQUEST_TIMEOUT,
      silent: HEADERS_TIMEOUT,
    };
    // Cut by the server (never before the deadline); how late depends on the machine's load.
    for (const conn of slow) {
      expect(conn.closedAt).toBeDefined();
      expect(conn.closedAt! - conn.openedAt).toBeGreaterThanOrEqual(deadline[conn.style] - 100);
    }
    // Those that started a request are told why, with a TMF Error.
    for (const conn of slow.filter((c) => c.style !== 'silent')) {
      expect(conn.received).toMatch(/^HTTP\/1\.1 408 /);
      expect(conn.received).toContain('"code":"REQUEST_TIMEOUT"');
    }
    // Normal requests were served all along (how fast is the benchmarks' business, not this test's).
    expect(served.length).toBeGreaterThanOrEqual(4);
    expect(served.filter((status) => status !== 201 && status !== 206 && status !== 200)).toEqual(
      [],
    );
  }, 60000);

  it('closes an idle keep-alive connection after HTTP_KEEPALIVE_TIMEOUT_MS', async () => {
    const conn: SlowConnection = { style: 'silent', openedAt: 0, received: '' };
    const socket = connect(portOf(app), '127.0.0.1');
    socket.on('data', (d: Buffer) => {
      conn.received += d.toString();
      conn.openedAt ||= Date.now();
    });
    socket.on('close', () => (conn.closedAt = Date.now()));
    socket.write(`GET ${CUSTOMER_PATH}?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n`);
    await closedAll([conn]);
    expect(conn.received).toMatch(/^HTTP\/1\.1 20[06] /);
    expect(conn.closedAt).toBeDefined();
    expect(conn.closedAt! - conn.openedAt).toBeGreaterThanOrEqual(KEEPALIVE_TIMEOUT - 100);
  }, 30000);
});

describe('HTTP_MAX_CONNECTIONS bounds what a flood of connections can hold', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT),
      HTTP_MAX_CONNECTIONS: '50',
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it('closes connections beyond the cap at once, and serves again when the timeouts free the slots', async () => {
    const port = portOf(app);
    const flood = Array.from({ length: 120 }, () => slowConnection(port, 'silent'));
    await sleep(300);
    const open = flood.filter((c) => c.closedAt === undefined).length;
    expect(open).toBeLessThanOrEqual(50);
    expect(open).toBeGreaterThanOrEqual(40);
    // The held ones are cut at the header deadline; the server then answers normally.
    await closedAll(flood);
    expect(flood.every((c) => c.closedAt !== undefined)).toBe(true);
    expect((await app.request('GET', CUSTOMER_PATH)).status).toBe(200);
  }, 40000);
});
