import { ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { REPO_ROOT } from '@test/support/server-process';
import { sharedDir } from '@test/support/shared-dir';

const run = promisify(execFile);

/** The bare node:http baseline in ../shared/bench/raw, run with this repo's node_modules. */
export class BaselineProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {}

  static dir(): string {
    return join(sharedDir(), 'bench', 'raw');
  }

  static env(db: 'sqlite' | 'mysql', extra: Record<string, string>): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH ?? '',
      NODE_PATH: join(REPO_ROOT, 'node_modules'),
      DB: db,
      ...extra,
    };
  }

  static async seed(
    db: 'sqlite' | 'mysql',
    n: number,
    extra: Record<string, string>,
  ): Promise<void> {
    await run(process.execPath, [join(BaselineProcess.dir(), 'seed.js')], {
      env: BaselineProcess.env(db, { SEED_N: String(n), ...extra }),
      maxBuffer: 1 << 24,
    });
  }

  static async start(
    db: 'sqlite' | 'mysql',
    port: number,
    extra: Record<string, string>,
  ): Promise<BaselineProcess> {
    const child = spawn(process.execPath, [join(BaselineProcess.dir(), 'server.js')], {
      env: BaselineProcess.env(db, { PORT: String(port), ...extra }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      try {
        await fetch(`${baseUrl}/tmf-api/customerManagement/v4/customer?name=x`);
        return new BaselineProcess(child, baseUrl);
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    child.kill('SIGKILL');
    throw new Error('baseline server did not start');
  }

  async stop(): Promise<void> {
    // Killed by a signal, a child has no exit code but a signal code: either means it is gone (a
    // second call must not wait for an 'exit' that has been emitted already).
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return;
    }
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}
