import { SerialQueue } from './serial-queue';

/**
 * Runs the tasks of one key one at a time (arrival order), tasks of different keys concurrently.
 *
 * Writes of one customer are serialized in the process before they reach the database: there they
 * would only wait on each other's row lock (MySQL), or, where conflicts are found at COMMIT (Galera,
 * multi-primary Group Replication), abort each other and retry. Queued here, a hot customer costs its
 * writers a wait each instead of a storm of certification failures; conflicts remain only between
 * processes.
 */
export class KeyedSerializer {
  private readonly queues = new Map<string, SerialQueue>();

  /** Keys with a task running or waiting (for tests and metrics). */
  get busyKeys(): number {
    return this.queues.size;
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = new SerialQueue();
      this.queues.set(key, queue);
    }
    try {
      return await queue.run(task);
    } finally {
      // The last task of a key drops its queue, so the map holds only keys being written.
      if (queue.idle && this.queues.get(key) === queue) {
        this.queues.delete(key);
      }
    }
  }
}
