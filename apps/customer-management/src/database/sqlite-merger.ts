import { Worker } from 'node:worker_threads';

import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';

import { AppConfig } from '@server/config/app-config';

import { decodeFts5Structure, Fts5Level } from './fts5-structure';
import { SqliteReaders } from './sqlite-readers';
import {
  SqliteWriteTurn,
  TURN_FREE,
  TURN_HOLDER,
  TURN_MERGER,
  TURN_MERGER_WANTS,
  TURN_WRITER,
  TURN_WRITER_WAITS,
} from './sqlite-write-turn';
import { awaitExitOrTerminate, exitOf } from './worker-thread-stop';

/** The SQLite token index (ADR 0007). */
const TOKEN_INDEX = 'customer_search';
/** FTS5 `usermerge`: a positive `merge` merges any two segments of a level (4: only four). */
const USERMERGE = 2;
/** The longest pause between passes while the app's writer keeps waiting for them. */
const MAX_PAUSE_MS = 2000;
/** While merged: how often the server counts the segments (one small row read, on the event loop). */
const IDLE_CHECK_MS = 5000;
/** How long a stopping thread gets to end its pass before it is terminated. */
const STOP_GRACE_MS = 2000;
/** How soon a pass is tried again when a write group held the turn. */
const TURN_RETRY_MS = 5;
/** After this long kept out by write groups, the merger asks for the next turn. */
const STARVED_MS = 250;
/** Progress in the log while merging, at most this often. */
const PROGRESS_LOG_MS = 30_000;

/**
 * The pause after a pass: doubled (up to `maxMs`) when a write group had to wait for the pass,
 * halved back towards `pauseMs` otherwise. Under heavy writes the merger thus takes a small share
 * of the writer's turns; at rest it converges at its own pace. Self-contained: the worker runs its
 * source text.
 */
/* istanbul ignore next */
export function nextMergePause(
  previousMs: number,
  writerWaited: boolean,
  pauseMs: number,
  maxMs: number,
): number {
  return writerWaited
    ? Math.min(maxMs, Math.max(pauseMs, previousMs * 2))
    : Math.max(pauseMs, Math.floor(previousMs / 2));
}

/** Whether a merged index has gained enough segments since to merge again. */
/* istanbul ignore next */
export function shouldResumeMerging(
  segments: number,
  convergedSegments: number,
  resumeSegments: number,
): boolean {
  return segments >= convergedSegments + resumeSegments;
}

/** What the worker reports: its state, counters, and the index's segments. */
export interface MergerReport {
  kind: 'started' | 'progress' | 'converged' | 'failed' | 'absent';
  merging: boolean;
  segments: number;
  levels: Fts5Level[];
  passes: number;
  /** Rows of the index's `%_data` table the passes wrote or deleted (FTS5 pages, roughly). */
  changes: number;
  /** The longest pass since the last report, milliseconds (the longest a write group waited). */
  maxPassMs: number;
  /** Since merging (re)started. */
  elapsedMs: number;
  error?: string;
}

// Own thread, own connection. Each pass is one short write transaction (BEGIN IMMEDIATE: it never
// upgrades a read transaction, so it never fails on a stale snapshot) taken only in the merger's
// turn (sqlite-write-turn.ts). FTS5 tells whether a `merge` found work through the connection's
// total_changes: a difference under 2 means it did nothing, and it will do nothing until the index
// changes (SQLite's FTS5 documentation, "The 'merge' Command").
export const WORKER_SOURCE_FOR_DEBUG = 0;
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const s = workerData.settings;
const T = workerData.table;
const turn = new Int32Array(workerData.turn);
const decodeFts5Structure = ${decodeFts5Structure.toString()};
const nextMergePause = ${nextMergePause.toString()};
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = NORMAL');
let timer;
let stopped = false;
let merging = true;
let passes = 0;
let changes = 0;
let maxPassMs = 0;
let pause = s.pauseMs;
let since = Date.now();
let lastProgress = 0;
const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE name = ?").get(T + '_data');
let structureStmt, mergeStmt, changesStmt;
function structure() {
  const row = structureStmt.get();
  return row ? decodeFts5Structure(row.block) : { segments: 0, levels: [] };
}
function report(kind, error) {
  const st = structure();
  parentPort.postMessage({ kind, merging, segments: st.segments, levels: st.levels, passes, changes,
    maxPassMs, elapsedMs: Date.now() - since, error });
  maxPassMs = 0;
  lastProgress = Date.now();
  return st;
}
function schedule(ms) {
  if (!stopped) timer = setTimeout(tick, ms);
}
let keptOutSince = 0;
function takeTurn() {
  if (Atomics.compareExchange(turn, ${TURN_HOLDER}, ${TURN_FREE}, ${TURN_MERGER}) === ${TURN_FREE}) {
    keptOutSince = 0;
    return true;
  }
  if (keptOutSince === 0) keptOutSince = Date.now();
  if (Date.now() - keptOutSince < workerData.starvedMs) return false;
  // Asks for the next turn: the next write group waits until this thread has it.
  Atomics.store(turn, ${TURN_MERGER_WANTS}, 1);
  while (Atomics.compareExchange(turn, ${TURN_HOLDER}, ${TURN_FREE}, ${TURN_MERGER}) !== ${TURN_FREE}) {
    Atomics.wait(turn, ${TURN_HOLDER}, ${TURN_WRITER}, 100);
  }
  Atomics.store(turn, ${TURN_MERGER_WANTS}, 0);
  Atomics.notify(turn, ${TURN_MERGER_WANTS});
  keptOutSince = 0;
  return true;
}
function inTurn(work) {
  if (!takeTurn()) {
    return false;
  }
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      work();
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
  } finally {
    Atomics.store(turn, ${TURN_HOLDER}, ${TURN_FREE});
    Atomics.notify(turn, ${TURN_HOLDER});
  }
  return true;
}
function pass() {
  const waitsBefore = Atomics.load(turn, ${TURN_WRITER_WAITS});
  const started = performance.now();
  let worked = false;
  const ran = inTurn(() => {
    const before = changesStmt.get().n;
    mergeStmt.run(s.pages);
    const done = changesStmt.get().n - before;
    worked = done >= 2;
    changes += done;
  });
  if (!ran) return workerData.turnRetryMs;
  const ms = performance.now() - started;
  maxPassMs = Math.max(maxPassMs, ms);
  passes++;
  if (!worked) {
    merging = false;
    report('converged');
    return -1;
  }
  if (Date.now() - lastProgress >= workerData.progressMs) report('progress');
  pause = nextMergePause(pause, Atomics.load(turn, ${TURN_WRITER_WAITS}) !== waitsBefore, s.pauseMs, workerData.maxPauseMs);
  return pause;
}
function stop() {
  stopped = true;
  clearTimeout(timer);
  db.close();
  parentPort.close();
}
let usermergeSet = false;
// Kept in the table's config; read by the 'merge' command only. (A bound value is refused here:
// "SQL logic error".) Returns false while a write group holds the turn.
function setUsermerge() {
  const row = db.prepare('SELECT v FROM ' + T + "_config WHERE k = 'usermerge'").get();
  if (row && row.v === workerData.usermerge) return true;
  const set = db.prepare('INSERT INTO ' + T + '(' + T + ", rank) VALUES ('usermerge', " + Number(workerData.usermerge) + ')');
  return inTurn(() => set.run());
}
function tick() {
  let next;
  try {
    if (!usermergeSet) {
      usermergeSet = setUsermerge();
      next = usermergeSet ? 0 : workerData.turnRetryMs;
    } else {
      next = pass();
    }
  } catch (err) {
    parentPort.postMessage({ kind: 'failed', merging, segments: 0, levels: [], passes, changes,
      maxPassMs, elapsedMs: Date.now() - since, error: String(err && err.message) });
    next = workerData.maxPauseMs;
  }
  // Merged: the thread ends; the server starts another one once new segments call for it.
  if (next < 0) stop();
  else schedule(next);
}
parentPort.on('message', stop);
if (!exists) {
  parentPort.postMessage({ kind: 'absent', merging: false, segments: 0, levels: [], passes, changes,
    maxPassMs, elapsedMs: 0 });
  stop();
} else {
  structureStmt = db.prepare('SELECT block FROM ' + T + '_data WHERE id = 10');
  mergeStmt = db.prepare('INSERT INTO ' + T + '(' + T + ', rank) VALUES (\\'merge\\', ?)');
  changesStmt = db.prepare('SELECT total_changes() AS n');
  report('started');
  schedule(0);
}
`;

/** The merger's state as the metrics read it. */
export interface MergerStats {
  merging: boolean;
  segments: number;
  passes: number;
  changes: number;
}

/**
 * Merges the SQLite token index's segments (FTS5's incremental `merge`) on a worker thread with its
 * own connection, a bounded pass at a time in the writer's turn, until FTS5 has nothing left to merge.
 * The thread then ends (a thread is a V8 isolate: ~27 MB of RSS); the server counts the segments every
 * few seconds from the structure record (one row, on a read connection) and starts a thread again
 * once the index has gained `resumeSegments` segments. A lookup opens each of its tokens in every
 * segment, so a range's ~20 tokens cost 3.5-4 times as much on the ~10-12 segments automerge leaves at
 * 1,000,000 customers as on the ~4 this converges to (ADR 0007). On the event loop its passes held
 * every request (up to 229 ms a pass); here they hold only the write groups that arrive during one.
 * Off for `:memory:` and MySQL/MariaDB, and with SQLITE_MERGE_PAGES=0.
 */
@Injectable()
export class SqliteMerger implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SqliteMerger.name);
  private worker?: Worker;
  private idleTimer?: NodeJS.Timeout;
  private stopping = false;
  private runs = 0;
  /** Segments when the last thread found nothing left to merge. */
  private converged = 0;
  readonly stats: MergerStats = { merging: false, segments: 0, passes: 0, changes: 0 };
  private passesBefore = 0;
  private changesBefore = 0;

  constructor(
    private readonly config: AppConfig,
    @Optional() private readonly turn?: SqliteWriteTurn,
    @Optional() private readonly readers?: SqliteReaders,
  ) {}

  onApplicationBootstrap(): void {
    const database = this.config.database;
    if (
      database.type !== 'sqlite' ||
      database.file === ':memory:' ||
      this.config.sqliteMerge.pages === 0 ||
      !this.turn
    ) {
      return;
    }
    this.startWorker(database.file, this.turn);
  }

  // Before the writer closes (TypeORM, on application shutdown): a pass ends first.
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    if (!worker) {
      return;
    }
    this.worker = undefined;
    const exited = exitOf(worker);
    worker.postMessage('stop');
    await awaitExitOrTerminate(worker, exited, STOP_GRACE_MS);
  }

  private startWorker(file: string, turn: SqliteWriteTurn): void {
    const settings = this.config.sqliteMerge;
    this.runs++;
    this.passesBefore = this.stats.passes;
    this.changesBefore = this.stats.changes;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: require.resolve('better-sqlite3'),
        file,
        table: TOKEN_INDEX,
        turn: turn.buffer,
        settings,
        usermerge: USERMERGE,
        maxPauseMs: Math.max(MAX_PAUSE_MS, settings.pauseMs),
        progressMs: PROGRESS_LOG_MS,
        starvedMs: STARVED_MS,
        turnRetryMs: TURN_RETRY_MS,
      },
    });
    this.worker = worker;
    let absent = false;
    worker.on('message', (report: MergerReport) => {
      absent ||= report.kind === 'absent';
      this.onReport(report);
    });
    worker.on('error', (err: unknown) =>
      this.logger.error(
        `Token index merger stopped: ${err instanceof Error ? err.message : JSON.stringify(err)}`,
      ),
    );
    worker.on('exit', () => {
      // A thread that ended in the middle of a pass must not leave the writer waiting for its turn.
      turn.mergerGone();
      if (this.worker === worker) {
        this.worker = undefined;
      }
      this.stats.merging = false;
      if (!this.stopping && !absent) {
        this.scheduleCheck(file, turn);
      }
    });
    // Never keeps the process alive on its own.
    worker.unref();
  }

  /** While merged: counts the segments now and then, and merges again when enough are new. */
  private scheduleCheck(file: string, turn: SqliteWriteTurn): void {
    if (!this.readers?.enabled) {
      return;
    }
    const readers = this.readers;
    this.idleTimer = setTimeout(() => {
      void (async () => {
        try {
          const row = await readers.one<{ block: Uint8Array }>(
            `SELECT block FROM ${TOKEN_INDEX}_data WHERE id = 10`,
            [],
          );
          const segments = row ? decodeFts5Structure(row.block).segments : 0;
          this.stats.segments = segments;
          if (this.stopping) {
            return;
          }
          if (
            shouldResumeMerging(segments, this.converged, this.config.sqliteMerge.resumeSegments)
          ) {
            this.startWorker(file, turn);
            return;
          }
        } catch (err) {
          if (!this.stopping) {
            this.logger.warn(`Token index segments not read: ${(err as Error).message}`);
          }
        }
        if (!this.stopping) {
          this.scheduleCheck(file, turn);
        }
      })();
    }, IDLE_CHECK_MS);
    this.idleTimer.unref();
  }

  private onReport(report: MergerReport): void {
    if (report.kind === 'failed') {
      this.logger.warn(`Token index merge pass failed: ${report.error}`);
      return;
    }
    if (report.kind === 'absent') {
      this.logger.warn(`No ${TOKEN_INDEX} table: the token index merger does not run`);
      return;
    }
    this.stats.merging = report.merging;
    this.stats.segments = report.segments;
    this.stats.passes = this.passesBefore + report.passes;
    this.stats.changes = this.changesBefore + report.changes;
    const shape = describe(report);
    const waits = this.turn?.stats;
    const writer = waits
      ? `; write groups that waited for a pass: ${waits.waits}, ${Math.round(waits.waitedMs)} ms in all`
      : '';
    switch (report.kind) {
      case 'started':
        this.logger.log(
          this.runs === 1
            ? `Token index merger started: ${shape}`
            : `Token index merging again: ${shape}`,
        );
        break;
      case 'converged':
        this.converged = report.segments;
        this.logger.log(
          `Token index merged: ${shape}; ${report.passes} passes, ${report.changes} pages written or freed, ${(report.elapsedMs / 1000).toFixed(1)} s${writer}`,
        );
        break;
      case 'progress':
        this.logger.log(
          `Token index merging: ${shape}; ${report.passes} passes, longest ${report.maxPassMs.toFixed(0)} ms, ${(report.elapsedMs / 1000).toFixed(0)} s${writer}`,
        );
        break;
    }
  }
}

/** "10 segments, 74,512 pages (per level 0/0/1/2)". */
function describe(report: MergerReport): string {
  const pages = report.levels.reduce((sum, l) => sum + l.pages, 0);
  const levels = report.levels.map((l) => l.segments).join('/');
  return `${report.segments} segments, ${pages.toLocaleString('en')} pages (per level ${levels || '-'})`;
}
