import { CoalescingRunner } from './coalescing-runner';

export interface PolledWorkerOptions {
  /** One pass over the work; a pass that loops ends early once `running` is false. */
  pass: () => Promise<void>;
  /** A pass's error (the next kick or poll runs again). */
  onError: (err: unknown) => void;
  /** Awaited before each pass: the kicks of the same moment join it (see CoalescingRunner). */
  settle?: () => Promise<void>;
  /** Before each poll's kick (e.g. so that the pass looks at all, not only what was woken). */
  onPoll?: () => void;
}

/**
 * The lifecycle the hub's workers (fan-out, NATS relay, dispatcher) share around their pass:
 * `start` polls every interval and kicks once; `kick` asks for a pass while started, coalesced by
 * a {@link CoalescingRunner} (one at a time, one more after it when kicked meanwhile); `stop` ends
 * the polling and waits for the pass under way, after which no pass runs. Not restartable.
 */
export class PolledWorker {
  private readonly runner: CoalescingRunner;
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(private readonly options: PolledWorkerOptions) {
    this.runner = new CoalescingRunner(options.pass, options.onError, options.settle);
  }

  /** Started and not stopped. */
  get running(): boolean {
    return this.started;
  }

  start(pollIntervalMs: number): void {
    this.started = true;
    this.timer = setInterval(() => {
      this.options.onPoll?.();
      this.kick();
    }, pollIntervalMs);
    this.kick();
  }

  /** A pass soon (after the settle); none before `start` or after `stop`. */
  kick(): void {
    if (this.started) {
      this.runner.request();
    }
  }

  /** No poll and no pass after this; resolves when the pass under way (if any) has ended. */
  async stop(): Promise<void> {
    this.started = false;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.runner.stop();
  }
}
