/**
 * The idle items of a pool and the callers waiting for one. An item released goes straight to the
 * first waiter (arrival order), else back to the idle ones, where the last released is taken first
 * (its caches are warm). Opening items, the pool's size and closing them are the owner's.
 */
export class HandOffPool<T> {
  private readonly idle: T[] = [];
  private readonly waiting: { resolve: (item: T) => void; reject: (err: Error) => void }[] = [];

  get idleCount(): number {
    return this.idle.length;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** An idle item, if there is one. */
  tryAcquire(): T | undefined {
    return this.idle.pop();
  }

  /** Waits for the next item released, after the callers already waiting. */
  acquire(): Promise<T> {
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Hands the item to the first waiter, or keeps it idle when none waits. */
  release(item: T): void {
    const next = this.waiting.shift();
    if (next) {
      next.resolve(item);
    } else {
      this.idle.push(item);
    }
  }

  /** Takes an idle item out (it is gone); false when it is not idle. */
  remove(item: T): boolean {
    const at = this.idle.indexOf(item);
    if (at < 0) {
      return false;
    }
    this.idle.splice(at, 1);
    return true;
  }

  /** Refuses every waiter with `err` and takes the idle items out, for the owner to close. */
  drain(err: Error): T[] {
    for (const waiter of this.waiting.splice(0)) {
      waiter.reject(err);
    }
    return this.idle.splice(0);
  }
}
