import { Worker } from 'node:worker_threads';

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

import { AppConfig } from '@server/config/app-config';

import { awaitExitOrTerminate, exitOf } from './worker-thread-stop';

const INTERVAL_MS = 100;
/** How long a stopping thread gets to finish its checkpoint before it is terminated. */
const STOP_GRACE_MS = 2000;
/**
 * From this many pages in the WAL (16 MB, a quarter of the backstop), a pass that copied any is
 * followed at once by the next one.
 */
const BUSY_LOG_PAGES = 4000;

/** What `PRAGMA wal_checkpoint` returns: pages in the WAL, and how many of them are in the database. */
export interface CheckpointResult {
  log: number;
  checkpointed: number;
}

/**
 * Milliseconds until the next checkpoint pass, from this pass's result and the previous one's
 * `checkpointed`. Under sustained writes the WAL never restarts from its beginning (a writer restarts
 * it only when every page is already copied), so it grows to the connection's automatic checkpoint
 * (16,000 pages), which copies whatever the worker has not yet copied inside a request's COMMIT, on
 * the event loop. Passes a full interval apart left ~100 ms of writes for it (measured: ~2 % of
 * COMMITs took 70-140 ms); passes that follow each other while writes keep coming leave a few
 * milliseconds' worth (at 50 connections, alternating builds: POST p99 131 -> 59 and 156 -> 82 ms,
 * PATCH 112 -> 65 ms, same throughput). Below a quarter of the backstop, or when a pass found
 * nothing new to copy, the next pass waits the interval: at a moderate write rate the WAL restarts
 * between passes, and passes back to back would only add fsyncs. Self-contained: the worker runs its
 * source text (no coverage counters may be injected into it).
 */
/* istanbul ignore next */
export function nextCheckpointDelay(
  result: CheckpointResult,
  previousCheckpointed: number,
  intervalMs: number,
  busyLogPages: number,
): number {
  // After the WAL restarted, `checkpointed` counts from zero again.
  const copied =
    result.checkpointed >= previousCheckpointed
      ? result.checkpointed - previousCheckpointed
      : result.checkpointed;
  return copied > 0 && result.log >= busyLogPages ? 0 : intervalMs;
}

// Runs in its own thread with its own connection. A PASSIVE checkpoint never blocks the writer: it
// copies what it can and leaves the rest for the next round.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const nextCheckpointDelay = ${nextCheckpointDelay.toString()};
let timer;
let checkpointed = 0;
function checkpoint() {
  try {
    const result = db.pragma('wal_checkpoint(PASSIVE)')[0];
    const delay = nextCheckpointDelay(result, checkpointed, workerData.intervalMs, workerData.busyLogPages);
    checkpointed = result.checkpointed;
    return delay;
  } catch (err) {
    parentPort.postMessage(String(err && err.message));
    return workerData.intervalMs;
  }
}
function tick() {
  timer = setTimeout(tick, checkpoint());
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
        busyLogPages: BUSY_LOG_PAGES,
      },
    });
    this.worker.on('message', (message: string) =>
      this.logger.warn(`WAL checkpoint failed: ${message}`),
    );
    this.worker.on('error', (err: Error) =>
      this.logger.error('WAL checkpointer stopped', err.stack),
    );
    // Never keeps the process alive on its own.
    this.worker.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    if (!worker) {
      return;
    }
    this.worker = undefined;
    // Its last checkpoint ends first.
    const exited = exitOf(worker);
    worker.postMessage('stop');
    await awaitExitOrTerminate(worker, exited, STOP_GRACE_MS);
  }
}
