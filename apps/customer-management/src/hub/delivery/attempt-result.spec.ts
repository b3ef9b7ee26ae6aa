import { attemptResult, RetryPolicy } from './attempt-result';
import type { ClaimedDelivery } from './delivery.repository';

describe(attemptResult.name, () => {
  const policy: RetryPolicy = { maxAttempts: 3, retryBaseMs: 1000, retryMaxMs: 60_000 };
  const now = 1_000_000;
  const claimed = (attempts: number): ClaimedDelivery => ({
    id: '7',
    claimToken: 'token',
    eventId: 'event',
    subscriptionId: 'sub',
    attempts,
    payload: '{}',
    callback: 'http://127.0.0.1/hook',
    query: null,
    secret: null,
  });
  // random() = 1: the back-off is its ceiling, base * 2^(attempts - 1).
  const sut = (attempts: number, outcome: Parameters<typeof attemptResult>[1]) =>
    attemptResult(claimed(attempts), outcome, policy, now, () => 1);

  it('a 2xx is delivered', () => {
    expect(sut(1, { ok: true, status: 204 })).toEqual({ kind: 'delivered', delivery: claimed(1) });
  });

  it('an attempt cut short by shutdown is released, whatever its count', () => {
    expect(sut(3, { ok: false, aborted: true, error: 'aborted by shutdown' }).kind).toBe(
      'released',
    );
  });

  it('a failure with attempts left is retried after the back-off, with its error and status', () => {
    expect(sut(2, { ok: false, status: 500, error: 'HTTP 500' })).toEqual({
      kind: 'retry',
      delivery: claimed(2),
      nextAttemptAt: now + 2000,
      error: 'HTTP 500',
      status: 500,
    });
  });

  it('waits for a longer Retry-After, but never past the maximum', () => {
    const longer = sut(1, { ok: false, status: 503, error: 'HTTP 503', retryAfterMs: 30_000 });
    expect(longer).toMatchObject({ kind: 'retry', nextAttemptAt: now + 30_000 });
    const shorter = sut(1, { ok: false, status: 429, error: 'HTTP 429', retryAfterMs: 10 });
    expect(shorter).toMatchObject({ kind: 'retry', nextAttemptAt: now + 1000 });
    const huge = sut(1, { ok: false, status: 503, error: 'HTTP 503', retryAfterMs: 3_600_000 });
    expect(huge).toMatchObject({ kind: 'retry', nextAttemptAt: now + 60_000 });
  });

  it('the last allowed attempt failing is a dead letter', () => {
    expect(sut(3, { ok: false, error: 'ECONNREFUSED: connect' })).toEqual({
      kind: 'dead',
      delivery: claimed(3),
      error: 'ECONNREFUSED: connect',
      status: undefined,
    });
  });

  it('a permanent failure (SSRF refusal) is a dead letter at the first attempt', () => {
    const result = sut(1, { ok: false, permanent: true, error: 'SSRF policy: loopback' });
    expect(result).toMatchObject({ kind: 'dead', error: 'SSRF policy: loopback' });
  });

  it('names a failure that came without a description', () => {
    expect(sut(1, { ok: false })).toMatchObject({ kind: 'retry', error: 'delivery failed' });
  });
});
