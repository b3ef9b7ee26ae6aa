/**
 * Delay before the next attempt after `attempts` failed ones: exponential with "equal jitter",
 * `d = min(max, base * 2^(attempts-1))`, then a uniform pick in `[d/2, d]`. The jitter spreads
 * retries of many deliveries that failed together (a subscriber outage) so they do not return in
 * lock-step; the lower bound keeps a minimum pause.
 */
export function retryDelayMs(
  attempts: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 40);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
