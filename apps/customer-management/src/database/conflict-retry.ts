/**
 * How often a write transaction is run again after a conflict (deadlock, Galera certification
 * failure, Group Replication rollback) or a node that is not ready yet, and how long it waits
 * between runs. Galera and multi-primary Group Replication detect conflicts only at COMMIT, so
 * writers of one row on different nodes keep aborting each other until their attempts spread out:
 * the delay is drawn at random ("full jitter") from a window that doubles per attempt.
 */
export interface RetryPolicy {
  /** Runs of one write, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 10, baseDelayMs: 5, maxDelayMs: 400 };

/** The wait before run `attempt + 1` (attempt counts from 1), at random in [0, window]. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * (window + 1));
}
