import type { HubSettings } from '@server/config/app-config';

import { retryDelayMs } from './backoff';
import type { DeliveryOutcome } from './callback-client';
import type { ClaimedDelivery, DeliveryResult } from './delivery.repository';

/** The settings that decide what a failed attempt becomes. */
export type RetryPolicy = Pick<HubSettings, 'maxAttempts' | 'retryBaseMs' | 'retryMaxMs'>;

/**
 * What to record for one attempt's outcome: delivered; released (cut short by shutdown: due again
 * now, the attempt not counted); a dead letter when retrying cannot help (the SSRF policy refused the
 * address) or the delivery has used its HUB_MAX_ATTEMPTS; otherwise a retry after the back-off with
 * jitter, or the subscriber's `Retry-After` when that is longer, never past HUB_RETRY_MAX_MS.
 */
export function attemptResult(
  delivery: ClaimedDelivery,
  outcome: DeliveryOutcome,
  policy: RetryPolicy,
  now: number,
  random: () => number = Math.random,
): DeliveryResult {
  if (outcome.ok) {
    return { kind: 'delivered', delivery };
  }
  if (outcome.aborted) {
    return { kind: 'released', delivery };
  }
  const error = outcome.error ?? 'delivery failed';
  if (outcome.permanent || delivery.attempts >= policy.maxAttempts) {
    return { kind: 'dead', delivery, error, status: outcome.status };
  }
  const backoff = retryDelayMs(delivery.attempts, policy.retryBaseMs, policy.retryMaxMs, random);
  const delay = Math.min(policy.retryMaxMs, Math.max(backoff, outcome.retryAfterMs ?? 0));
  return { kind: 'retry', delivery, nextAttemptAt: now + delay, error, status: outcome.status };
}
