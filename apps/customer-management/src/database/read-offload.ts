/** Shapes remembered (oldest forgotten first): list shapes are few; a bound keeps a flood harmless. */
const MAX_SHAPES = 1000;

/**
 * Lists of a shape measured before it may move, its cost the cheapest of its last this many. A
 * list's time on the loop is wall time: a thread preempted on a busy machine, a first run's cold
 * pages and fresh statements only ever add to it, so the minimum is what the statements cost.
 */
const SAMPLES = 3;

/**
 * Where a SQLite list runs: on the event loop's read connections or on a read worker. A list whose
 * statements cost more than `thresholdMs` holds every other request for that long on the event
 * loop; on a worker it costs two thread hops more (~0.2 ms of CPU) but runs beside the loop. So a
 * shape (`queryShape`) runs on the loop until its last SAMPLES lists there all took longer than the
 * threshold, and on a worker from then on; cheap lists (a lookup by name, the first page with its
 * kept count) never start a worker. A shape keeps its place once moved: lists grow dearer with the
 * database, rarely cheaper, and measuring one on the loop again would block it. `thresholdMs` 0:
 * every list on a worker.
 */
export class ReadOffload {
  /** Per shape still on the loop: its last lists' times there, newest last. */
  private readonly recent = new Map<string, number[]>();
  private readonly moved = new Set<string>();

  constructor(private readonly thresholdMs: number) {}

  onWorker(shape: string | undefined): boolean {
    return this.thresholdMs === 0 || shape === undefined || this.moved.has(shape);
  }

  /** A list of `shape` ran its statements on the loop in `ms`. */
  record(shape: string, ms: number): void {
    const times = this.recent.get(shape) ?? [];
    this.recent.delete(shape);
    times.push(ms);
    if (times.length > SAMPLES) {
      times.shift();
    }
    if (times.length === SAMPLES && Math.min(...times) > this.thresholdMs) {
      remember(this.moved, shape);
      return;
    }
    this.recent.set(shape, times);
    if (this.recent.size > MAX_SHAPES) {
      this.recent.delete(this.recent.keys().next().value as string);
    }
  }

  get movedShapes(): number {
    return this.moved.size;
  }
}

function remember(set: Set<string>, shape: string): void {
  set.add(shape);
  if (set.size > MAX_SHAPES) {
    set.delete(set.values().next().value as string);
  }
}
