/** Runs async tasks one at a time, in arrival order. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private inFlight = 0;

  /** True when no task is running or waiting. */
  get idle(): boolean {
    return this.inFlight === 0;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.inFlight++;
    const result = this.tail.then(task, task).finally(() => {
      this.inFlight--;
    });
    // Keep the chain alive whatever the task's outcome; the caller sees the real result.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
