import { readFileSync } from 'node:fs';

/** Samples a process's resident set size from /proc while a load runs; reports the peak in MB. */
export class RssSampler {
  private peakKb = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly pid: number) {}

  start(intervalMs = 200): void {
    this.timer = setInterval(() => {
      try {
        const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
        if (match) {
          this.peakKb = Math.max(this.peakKb, Number(match[1]));
        }
      } catch {
        // process gone
      }
    }, intervalMs);
  }

  stopMb(): number {
    clearInterval(this.timer);
    return Math.round(this.peakKb / 1024);
  }
}
