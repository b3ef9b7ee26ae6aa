import { Injectable } from '@nestjs/common';

/** Slots of the shared turn. */
export const TURN_HOLDER = 0;
/** Times the app's writer found the merger holding the turn (read by the merger to back off). */
export const TURN_WRITER_WAITS = 1;
/** 1 while the merger, kept out by write groups that follow each other, asks for the next turn. */
export const TURN_MERGER_WANTS = 2;
export const TURN_FREE = 0;
export const TURN_MERGER = 1;
export const TURN_WRITER = 2;

/**
 * Whose turn it is to write to the SQLite file: the app's writer (each write group) or the token
 * index merger (each pass, on its own thread and connection). SQLite takes one writer at a time,
 * and its busy handler does not help the app's writer: a group's transaction starts deferred and
 * reads before it writes, and a read transaction that must become a write transaction while another
 * connection writes, or after another one committed, fails at once (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT)
 * without waiting. So the two take turns through this lock in shared memory: the writer waits for
 * the end of a merge pass without holding the event loop (`Atomics.waitAsync`), the merger skips a
 * pass while a group runs. Under writes that keep the writer busy the merger would never get a turn:
 * after a while it asks for one (`TURN_MERGER_WANTS`), and the next group waits for its pass.
 */
@Injectable()
export class SqliteWriteTurn {
  readonly buffer = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
  private readonly slots = new Int32Array(this.buffer);
  /** Write groups that waited for a merge pass, and for how long in all. */
  readonly stats = { waits: 0, waitedMs: 0 };

  /** Runs `task` (one write group) in the writer's turn. Callers run one at a time. */
  async hold<T>(task: () => Promise<T>): Promise<T> {
    if (Atomics.load(this.slots, TURN_MERGER_WANTS) === 1) {
      await this.letMergerIn();
    }
    if (Atomics.compareExchange(this.slots, TURN_HOLDER, TURN_FREE, TURN_WRITER) !== TURN_FREE) {
      await this.waitForTurn();
    }
    try {
      return await task();
    } finally {
      this.release(TURN_WRITER);
    }
  }

  /** The merger's thread ended (also in the middle of a pass): its turn and its request end too. */
  mergerGone(): void {
    Atomics.store(this.slots, TURN_MERGER_WANTS, 0);
    Atomics.notify(this.slots, TURN_MERGER_WANTS);
    this.release(TURN_MERGER);
  }

  private release(holder: number): void {
    if (Atomics.compareExchange(this.slots, TURN_HOLDER, holder, TURN_FREE) === holder) {
      Atomics.notify(this.slots, TURN_HOLDER);
    }
  }

  private async letMergerIn(): Promise<void> {
    const started = performance.now();
    while (Atomics.load(this.slots, TURN_MERGER_WANTS) === 1) {
      const wait = waitAsync(this.slots, TURN_MERGER_WANTS, 1, 1000);
      if (wait.async) {
        await wait.value;
      }
    }
    this.stats.waitedMs += performance.now() - started;
  }

  private async waitForTurn(): Promise<void> {
    const started = performance.now();
    Atomics.add(this.slots, TURN_WRITER_WAITS, 1);
    while (Atomics.compareExchange(this.slots, TURN_HOLDER, TURN_FREE, TURN_WRITER) !== TURN_FREE) {
      // The timeout only bounds a wake-up that was missed; a pass ends in milliseconds.
      const wait = waitAsync(this.slots, TURN_HOLDER, TURN_MERGER, 1000);
      if (wait.async) {
        await wait.value;
      }
    }
    this.stats.waits++;
    this.stats.waitedMs += performance.now() - started;
  }
}

// ES2024 (Node >= 16); the project's TypeScript lib is older.
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
