import { Logger } from '@nestjs/common';

/**
 * Progress of a migration that walks every customer in batches: logs customers done out of the
 * total, the rate and the time left, at most every few seconds, so that an operator upgrading a
 * large database sees it move.
 */
export class BatchProgress {
  private readonly logger: Logger;
  private readonly started = Date.now();
  private lastLog = 0;
  private done = 0;

  constructor(
    name: string,
    private readonly total: number,
    private readonly everyMs = 5000,
  ) {
    this.logger = new Logger(name);
    this.logger.log(`${total.toLocaleString('en')} customers to process`);
  }

  advance(count: number): void {
    this.done += count;
    const now = Date.now();
    if (now - this.lastLog >= this.everyMs || this.done >= this.total) {
      this.lastLog = now;
      const seconds = Math.max((now - this.started) / 1000, 0.001);
      const rate = this.done / seconds;
      const left = rate > 0 ? (this.total - this.done) / rate : 0;
      const percent = this.total > 0 ? (100 * this.done) / this.total : 100;
      this.logger.log(
        `${this.done.toLocaleString('en')} / ${this.total.toLocaleString('en')} customers ` +
          `(${percent.toFixed(1)} %), ${Math.round(rate).toLocaleString('en')}/s, ` +
          `about ${Math.ceil(left)} s left`,
      );
    }
  }
}
