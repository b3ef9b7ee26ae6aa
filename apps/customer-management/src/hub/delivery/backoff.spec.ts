import { retryDelayMs } from './backoff';

describe(retryDelayMs.name, () => {
  it('doubles from the base per attempt, with jitter in [d/2, d]', () => {
    expect(retryDelayMs(1, 1000, 60000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 60000, () => 1)).toBe(1000);
    expect(retryDelayMs(2, 1000, 60000, () => 1)).toBe(2000);
    expect(retryDelayMs(4, 1000, 60000, () => 0.5)).toBe(6000);
  });

  it('caps at the maximum, also for huge attempt counts', () => {
    expect(retryDelayMs(30, 1000, 60000, () => 1)).toBe(60000);
    expect(retryDelayMs(1000, 1000, 60000, () => 0)).toBe(30000);
  });

  it('spreads retries of deliveries that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(3, 1000, 60000)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
  });
});
