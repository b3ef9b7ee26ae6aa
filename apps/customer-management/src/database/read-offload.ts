/** Shapes remembered (oldest forgotten first): list shapes are few; a bound keeps a flood harmless. */
const MAX_SHAPES = 1000;

/** Weight of the newest measurement in a shape's running cost (one slow run alone moves nothing). */
const WEIGHT = 0.2;

/**
 * A shape's first run pays cold pages and fresh statements: it is not averaged (it would move a
 * cheap shape for good), unless it took over this many thresholds (a count that long is not run
 * on the loop twice to learn it).
 */
const AT_ONCE = 20;

/**
 * Where a SQLite list runs: on the event loop's read connections or on a read worker. A list that
 * costs more than `thresholdMs` of statements holds every other request for that long on the event
 * loop; on a worker it costs two thread hops more (~0.2 ms of CPU) but runs beside the loop. So a
 * shape (`queryShape`) runs on the loop until it has been measured there above the threshold, and on
 * a worker from then on; cheap lists (a lookup by name, the unfiltered first page) never start a
 * worker. A shape keeps its place once moved: lists grow dearer with the database, rarely cheaper,
 * and measuring one on the loop again would block it. `thresholdMs` 0: every list on a worker.
 */
export class ReadOffload {
  /** Per shape on the loop: its running cost over its warm runs (none yet after the first). */
  private readonly costMs = new Map<string, { warm: number | undefined }>();
  private readonly moved = new Set<string>();

  constructor(private readonly thresholdMs: number) {}

  onWorker(shape: string | undefined): boolean {
    return this.thresholdMs === 0 || shape === undefined || this.moved.has(shape);
  }

  /** A list of `shape` ran its statements on the loop in `ms`. */
  record(shape: string, ms: number): void {
    const before = this.costMs.get(shape);
    this.costMs.delete(shape);
    let cost: number | undefined;
    if (before === undefined) {
      cost = ms > AT_ONCE * this.thresholdMs ? ms : undefined;
    } else {
      cost = before.warm === undefined ? ms : before.warm + WEIGHT * (ms - before.warm);
    }
    if (cost !== undefined && cost > this.thresholdMs) {
      this.moved.add(shape);
      if (this.moved.size > MAX_SHAPES) {
        this.moved.delete(this.moved.values().next().value as string);
      }
      return;
    }
    this.costMs.set(shape, { warm: cost });
    if (this.costMs.size > MAX_SHAPES) {
      this.costMs.delete(this.costMs.keys().next().value as string);
    }
  }

  get movedShapes(): number {
    return this.moved.size;
  }
}
