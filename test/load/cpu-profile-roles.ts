/**
 * A V8 CPU profile (`--cpu-prof`, one file per thread) cut to a time window and read by role: each
 * sample is put in the role of the first frame from the leaf up that one of ROLES names, plus the
 * top functions by self time. The window is on the monotonic clock in µs (write-thread-probe.ts
 * prints each phase's), the clock of the profile's own timestamps.
 *
 *   npx ts-node --transpile-only test/load/cpu-profile-roles.ts <file.cpuprofile> [<from µs> <to µs>] \
 *     [--top 15] [--us <the thread's CPU µs per request, from /proc>]
 *
 * The profiler samples a thread that waits for a core (or in a blocking call) as running, so shares
 * are of the thread's non-idle samples, and `--us` spreads the thread's measured CPU over them.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Roles by frame: the first that matches, from the sampled frame up its stack. */
const ROLES: [string, (fn: string, url: string) => boolean][] = [
  ['GC', (fn) => fn === '(garbage collector)'],
  ['idle', (fn) => fn === '(idle)'],
  // The writer thread: better-sqlite3's calls are native, so their time is its callers' self time.
  ['SQL: COMMIT (writer)', (fn, url) => fn === 'run' && url.endsWith('sqlite-write.worker.js')],
  [
    "SQL: the group's statements (writer)",
    (fn, url) => fn === 'execute' && url.endsWith('sqlite-write.worker.js'),
  ],
  [
    'SQL: checkpoint (checkpointer)',
    (fn, url) => fn === 'pragma' && url.includes('better-sqlite3'),
  ],
  [
    'SQL (better-sqlite3 run/all/get/exec)',
    (fn, url) =>
      url.includes('better-sqlite3') ||
      (url === '' && ['run', 'all', 'get', 'exec', 'prepare'].includes(fn)),
  ],
  [
    'message to/from the writer (postMessage, structured clone)',
    (fn, url) =>
      fn === 'postMessage' ||
      url.includes('internal/worker') ||
      url.includes('internal/per_context/messageport') ||
      url.endsWith('sqlite-writer.js') ||
      url.endsWith('sqlite-write.worker.js'),
  ],
  ['token extraction', (fn, url) => /token|tmf-query/i.test(url) && /token|leaf|slot/i.test(fn)],
  ['typed columns', (fn) => fn === 'columnsOf'],
  ['event envelope / outbox', (_fn, url) => url.includes('/hub/') || url.includes('/events/')],
  [
    'write group / SQL text (transaction-runner, group writes, repository)',
    (_fn, url) =>
      /transaction-runner|write-group|customer-group-writes|customer\.repository|group-prefetch|customer-counts|kept-count/.test(
        url,
      ),
  ],
  ['JSON parse', (fn, url) => url.includes('secure-json-parse') || fn === 'jsonTextProblem'],
  [
    'validation (ajv, date-times, time periods)',
    (fn, url) => url.includes('ajv') || /validat|Violations|parseInstant/i.test(fn),
  ],
  [
    'document building / serialization (JSON.stringify, mapper, merge)',
    (fn, url) =>
      fn === 'stringify' ||
      /customer\.mapper|customer-document|json-patch|customer\.service/.test(url),
  ],
  [
    'HTTP: Fastify / Node http / routes',
    (_fn, url) =>
      /fastify|find-my-way|avvio|light-my-request|node:_http|node:net|node:stream|_http_|\/http\/|lean-routes|customer-http/.test(
        url,
      ),
  ],
];

function main(): void {
  const [file, from, to] = process.argv
    .slice(2)
    .filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
  const topIndex = process.argv.indexOf('--top');
  const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) : 15;
  const usIndex = process.argv.indexOf('--us');
  const us = usIndex > 0 ? Number(process.argv[usIndex + 1]) : undefined;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    for (const c of n.children ?? []) {
      parent.set(c, n.id);
    }
  }
  const roleOf = new Map<number, string>();
  const role = (id: number): string => {
    const known = roleOf.get(id);
    if (known) {
      return known;
    }
    let found = 'other (Node internals, promises, Nest, program)';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url } = byId.get(at)!.callFrame;
      const match = ROLES.find(([, test]) => test(functionName, url));
      if (match) {
        found = match[0];
        break;
      }
    }
    roleOf.set(id, found);
    return found;
  };
  const lo = from === undefined ? -Infinity : Number(from);
  const hi = to === undefined ? Infinity : Number(to);
  const roles = new Map<string, number>();
  const selfTime = new Map<string, number>();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (t < lo || t > hi) {
      continue;
    }
    // A sample stands for the time until the next one.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i];
    const { functionName, url } = byId.get(id)!.callFrame;
    total += dt;
    roles.set(role(id), (roles.get(role(id)) ?? 0) + dt);
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|dist)\//, '')}`;
    selfTime.set(key, (selfTime.get(key) ?? 0) + dt);
  }
  const busy = total - (roles.get('idle') ?? 0);
  const pct = (v: number) => ((100 * v) / busy).toFixed(1).padStart(5);
  const share = (v: number) =>
    `${pct(v)} %${us === undefined ? '' : `  ${String(Math.round((us * v) / busy)).padStart(4)} µs`}`;
  process.stdout.write(
    `${file}: ${(total / 1e6).toFixed(2)} s of samples in the window, ` +
      `${(busy / 1e6).toFixed(2)} s not idle (shares below are of those)\n`,
  );
  for (const [name, v] of [...roles].sort((a, b) => b[1] - a[1])) {
    if (name !== 'idle') {
      process.stdout.write(`  ${share(v)}  ${name}\n`);
    }
  }
  process.stdout.write('  top self time:\n');
  for (const [name, v] of [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, top + 1)) {
    if (!name.startsWith('(idle)')) {
      process.stdout.write(`  ${share(v)}  ${name}\n`);
    }
  }
}

main();
