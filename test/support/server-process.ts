import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const SERVER_ENTRY = resolve(REPO_ROOT, 'dist/apps/customer-management/src/main.js');

/** The entry point relative to a repository (or a copy of a build) root. */
const ENTRY_IN_ROOT = 'dist/apps/customer-management/src/main.js';

/**
 * `npm run start:prod`'s command, read from a package.json: its leading `NAME=value` assignments (the
 * environment it sets, e.g. glibc's malloc settings; the Dockerfile sets the same with ENV) and
 * Node's flags (the Dockerfile's CMD runs the same).
 */
export interface ProductionCommand {
  env: Record<string, string>;
  nodeFlags: string[];
}

export function productionCommand(root = REPO_ROOT): ProductionCommand {
  const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const argv = pkg.scripts['start:prod'].trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (argv.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(argv[0])) {
    const assignment = argv.shift()!;
    const eq = assignment.indexOf('=');
    env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
  }
  return { env, nodeFlags: argv.slice(1, -1).filter((arg) => arg.startsWith('--')) };
}

/** Node's flags in production (`npm run start:prod`, the Dockerfile's CMD): tests run the same. */
export const SERVER_NODE_FLAGS = productionCommand().nodeFlags;

/**
 * The production command of the build an entry belongs to: a benchmark comparing builds runs each
 * with its own. A copy of a build holds its package.json beside `dist/`; without one, this
 * repository's command.
 */
function commandFor(entry: string): ProductionCommand {
  const normalized = resolve(entry);
  if (normalized.endsWith(ENTRY_IN_ROOT)) {
    const root = normalized.slice(0, -ENTRY_IN_ROOT.length);
    if (existsSync(resolve(root, 'package.json'))) {
      return productionCommand(root);
    }
  }
  return productionCommand();
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** The built server (`npm run start:prod`'s command) as a child process on 127.0.0.1. */
export class ServerProcess {
  readonly output: string[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {}

  /**
   * `startupTimeoutMs`: migrations on a large database (index builds) can take minutes. `entry`:
   * another build's main.js (a benchmark comparing builds).
   */
  static async start(
    env: Record<string, string>,
    port?: number,
    startupTimeoutMs = 30000,
    entry = SERVER_ENTRY,
  ): Promise<ServerProcess> {
    const listenPort = port ?? (await freePort());
    const baseUrl = `http://127.0.0.1:${listenPort}`;
    const command = commandFor(entry);
    const child = spawn(process.execPath, [...command.nodeFlags, entry], {
      cwd: REPO_ROOT,
      env: {
        ...command.env,
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: String(listenPort),
        PUBLIC_BASE_URL: baseUrl,
        LOG_LEVEL: 'warn',
        // The fault tiers on the SQLite writer thread, or not (`TEST_SQLITE_WRITER_THREAD`).
        ...(process.env.TEST_SQLITE_WRITER_THREAD
          ? { SQLITE_WRITER_THREAD: process.env.TEST_SQLITE_WRITER_THREAD }
          : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(child, baseUrl);
    child.stdout?.on('data', (d: Buffer) => server.output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => server.output.push(d.toString()));
    try {
      await server.waitUntilUp(startupTimeoutMs, env.API_PATH_PREFIX ?? '');
    } catch (err) {
      // A server that missed its deadline would outlive the test (and keep jest from exiting).
      await server.stop('SIGKILL');
      throw err;
    }
    return server;
  }

  private async waitUntilUp(timeoutMs: number, pathPrefix: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(`server exited with ${this.child.exitCode}:\n${this.output.join('')}`);
      }
      try {
        const res = await fetch(`${this.baseUrl}${pathPrefix}/health/ready`);
        if (res.status === 200) {
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`server did not answer within ${timeoutMs} ms:\n${this.output.join('')}`);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    // A child killed by a signal has no exit code but a signal code; either means it is gone.
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return this.child.exitCode;
    }
    const exited = new Promise<number | null>((r) => this.child.once('exit', (code) => r(code)));
    this.child.kill(signal);
    return exited;
  }
}
