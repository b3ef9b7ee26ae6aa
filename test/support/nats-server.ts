// A private NATS server with JetStream for tests and benchmarks: the machine's /usr/sbin/nats-server on
// a free port with its own store directory (never the shared one on 4222). Alias-free: jest's global
// set-up loads it too.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class NatsServer {
  private child: ChildProcess | undefined;
  readonly output: string[] = [];

  private constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<NatsServer> {
    const server = new NatsServer(await freeTcpPort(), mkdtempSync(join(tmpdir(), 'tmf629-nats-')));
    // A run that ends in process.exit (jest does on some failures) skips its teardown: the server
    // must not outlive it.
    process.once('exit', () => {
      server.child?.kill('SIGKILL');
      rmSync(server.storeDir, { recursive: true, force: true });
    });
    await server.restart();
    return server;
  }

  /** Starts it again on the same port and store (after `stop`): the streams are still there. */
  async restart(): Promise<void> {
    const child = spawn(
      NATS_SERVER_BIN,
      ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => this.output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => this.output.push(d.toString()));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`nats-server exited with ${child.exitCode}:\n${this.output.join('')}`);
      }
      if (this.output.join('').includes('Server is ready') && (await this.accepts())) {
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nats-server did not start:\n${this.output.join('')}`);
  }

  private accepts(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(this.port, '127.0.0.1');
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    this.output.splice(0);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
