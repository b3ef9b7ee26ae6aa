/**
 * Runs one task at a time for the hub's workers (fan-out, NATS relay, dispatcher), however often it
 * is requested: a request while idle starts a run; requests while a run is under way make one more
 * run after it (the work they signal may have come after the run looked); requests made while the
 * run waits for `settle` are covered by it (it has not looked yet). `stop` refuses further runs and
 * waits for the current one. A run's error goes to `onError`; the next request runs again.
 */
export class CoalescingRunner {
  private current: Promise<void> | null = null;
  private started = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
    /** Awaited before each run, letting requests of the same moment join it (e.g. setImmediate). */
    private readonly settle: () => Promise<void> = () => Promise.resolve(),
  ) {}

  /** Whether a run is under way (or settling). */
  get busy(): boolean {
    return this.current !== null;
  }

  request(): void {
    if (this.stopped) {
      return;
    }
    if (this.current) {
      this.again ||= this.started;
      return;
    }
    this.started = false;
    this.current = this.settle()
      .then(() => {
        this.started = true;
        return this.stopped ? undefined : this.task();
      })
      .catch(this.onError)
      .finally(() => {
        this.current = null;
        if (this.again) {
          this.again = false;
          this.request();
        }
      });
  }

  /** No run after this; resolves when the current run (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.again = false;
    while (this.current) {
      await this.current;
    }
  }
}

/** Settles until the next turn of the event loop: the commits of one turn make one run. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
