/**
 * A value sampled at most once per `ttlMs`: readers within that time get the last sample, and
 * concurrent readers share the sampling in progress. A failed sampling is not kept (the next read
 * tries again).
 */
export class CachedSample {
  private last: { at: number; value: number } | undefined;
  private taking: Promise<number> | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly take: () => Promise<number>,
  ) {}

  async get(now: number): Promise<number> {
    if (this.last && now - this.last.at < this.ttlMs) {
      return this.last.value;
    }
    this.taking ??= this.take()
      .then((value) => {
        this.last = { at: now, value };
        return value;
      })
      .finally(() => {
        this.taking = null;
      });
    return this.taking;
  }
}
