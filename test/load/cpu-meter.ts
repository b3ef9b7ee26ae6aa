import { readdirSync, readFileSync } from 'node:fs';

// /proc reports CPU times in USER_HZ ticks, which Linux fixes at 100 per second for user space.
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process (all its threads) has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * CPU a process spends during a load run, as microseconds per request and as a share of one core.
 * Unlike req/s this does not depend on whether the load tool or the server saturates first: a
 * baseline that outruns the load tool still shows what each of its requests costs.
 */
export class CpuMeter {
  private startCpu = 0;
  private startWall = 0n;

  constructor(private readonly pid: number) {}

  start(): void {
    this.startCpu = cpuSeconds(this.pid);
    this.startWall = process.hrtime.bigint();
  }

  /** `activeSeconds`: how long the load really ran (default: since start), for the core share. */
  stop(requests: number, activeSeconds?: number): { usPerRequest: number; corePercent: number } {
    const cpu = cpuSeconds(this.pid) - this.startCpu;
    const wall = activeSeconds ?? Number(process.hrtime.bigint() - this.startWall) / 1e9;
    return {
      usPerRequest: requests > 0 ? Math.round((cpu * 1e6) / requests) : 0,
      corePercent: Math.round((100 * cpu) / wall),
    };
  }
}

/**
 * The pid of the local MariaDB / MySQL server, when exactly one runs on this machine (with several,
 * which one serves the benchmark is not known, and no database CPU is reported).
 */
export function databaseServerPid(): number | undefined {
  // A private MariaDB beside the shared one (TEST_MYSQL_URL on another port): named by its pid.
  if (process.env.BENCH_DB_PID) {
    return Number(process.env.BENCH_DB_PID);
  }
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'mariadbd' || comm === 'mysqld') {
        pids.push(Number(entry));
      }
    } catch {
      // gone meanwhile
    }
  }
  return pids.length === 1 ? pids[0] : undefined;
}

/**
 * Waits until the processes together use less than `idlePercent` of a core over a second (at most
 * `maxSeconds`): the work a run leaves behind (a server's background sweeps, the database flushing
 * what the run dirtied) then falls in no other target's measurement. Returns the seconds waited.
 */
export async function waitUntilIdle(
  pids: number[],
  idlePercent = 5,
  maxSeconds = 120,
): Promise<number> {
  const started = Date.now();
  const used = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  for (;;) {
    const before = used();
    await new Promise((r) => setTimeout(r, 1000));
    const waited = (Date.now() - started) / 1000;
    if (100 * (used() - before) < idlePercent || waited >= maxSeconds) {
      return waited;
    }
  }
}
