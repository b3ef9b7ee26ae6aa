import { Worker } from 'node:worker_threads';

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

import { AppConfig } from '@server/config/app-config';

const INTERVAL_MS = 100;

// Runs in its own thread with its own connection. A PASSIVE checkpoint never blocks the writer: it
// copies what it can and leaves the rest for the next round.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
let timer;
function checkpoint() {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage(String(err && err.message));
  }
}
function tick() {
  checkpoint();
  timer = setTimeout(tick, workerData.intervalMs);
}
parentPort.on('message', () => {
  clearTimeout(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
tick();
`;

/**
 * Checkpoints the SQLite write-ahead log from a worker thread. better-sqlite3 is synchronous, so
 * SQLite's automatic checkpoint (every 1,000 pages, with an fsync) ran inside whichever request's
 * COMMIT crossed the threshold, on the one thread that serves every request: measured, it doubled
 * the average COMMIT. Here it runs beside the event loop; the connection's own automatic
 * checkpoint stays as a backstop at a higher threshold (see data-source-options.ts).
 */
@Injectable()
export class SqliteCheckpointer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SqliteCheckpointer.name);
  private worker?: Worker;

  constructor(private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    const database = this.config.database;
    if (database.type !== 'sqlite' || database.file === ':memory:') {
      return;
    }
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: require.resolve('better-sqlite3'),
        file: database.file,
        intervalMs: INTERVAL_MS,
      },
    });
    this.worker.on('message', (message: string) =>
      this.logger.warn(`WAL checkpoint failed: ${message}`),
    );
    this.worker.on('error', (err) => this.logger.error('WAL checkpointer stopped', err.stack));
    // Never keeps the process alive on its own.
    this.worker.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    if (!worker) {
      return;
    }
    this.worker = undefined;
    // Referenced again while it finishes its last checkpoint: otherwise, with nothing else left
    // in the event loop, the process would exit in the middle of shutting down.
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('stop');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    await worker.terminate();
  }
}
