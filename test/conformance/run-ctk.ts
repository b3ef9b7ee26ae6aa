/**
 * Runs the official TMF629 v4.0.0 conformance test kit (both Postman collections in ../shared/ctk)
 * with newman against a server started on a fresh database, twice in a row without a reset.
 * Exits non-zero on any failed assertion or request error.
 *
 *   npm run ctk                 # SQLite
 *   npm run ctk -- --db mysql   # MariaDB/MySQL at TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306/)
 */
import { join, resolve } from 'node:path';

import newman, { NewmanRunSummary } from 'newman';

import { ServerProcess } from '@test/support/server-process';
import { sharedDir } from '@test/support/shared-dir';

import { withDatabase } from './ctk-database';

const CTK_DIR = resolve(process.env.CTK_DIR ?? join(sharedDir(), 'ctk'));
const COLLECTIONS = [
  { name: 'main (2021-10)', file: join(CTK_DIR, 'CTK-Customer-4.0.0.postman_collection.json') },
  {
    name: 'patch-name variant (2021-04)',
    file: join(CTK_DIR, 'variants', 'CTK-Customer-4.0.0.patch-name.postman_collection.json'),
  },
];
const ENVIRONMENT = join(CTK_DIR, 'TMFENV-V4.0.0.postman_environment.json');
const ROUNDS = 2;

interface RunTotals {
  label: string;
  requests: number;
  requestsFailed: number;
  assertions: number;
  assertionsFailed: number;
  failures: string[];
}

function runCollection(file: string, apiRoot: string): Promise<NewmanRunSummary> {
  return new Promise((resolveRun, reject) => {
    newman.run(
      {
        collection: file,
        environment: ENVIRONMENT,
        envVar: [{ key: 'Customer', value: apiRoot }],
        reporters: 'cli',
        reporter: { cli: { noSummary: false, noBanner: true } },
        insecure: true,
        timeoutRequest: 10000,
      },
      (err, summary) => (err ? reject(err) : resolveRun(summary)),
    );
  });
}

async function main(): Promise<number> {
  const dbArg = process.argv.indexOf('--db');
  const db = dbArg >= 0 ? process.argv[dbArg + 1] : (process.env.CTK_DB ?? 'sqlite');
  if (db !== 'sqlite' && db !== 'mysql') {
    throw new Error(`--db must be sqlite or mysql, got ${db}`);
  }
  const totals: RunTotals[] = [];
  await withDatabase(db, async (databaseUrl) => {
    const server = await ServerProcess.start({ DATABASE_URL: databaseUrl });
    try {
      const apiRoot = `${server.baseUrl}/tmf-api/customerManagement/v4/`;
      for (let round = 1; round <= ROUNDS; round++) {
        for (const collection of COLLECTIONS) {
          const summary = await runCollection(collection.file, apiRoot);
          const stats = summary.run.stats;
          totals.push({
            label: `round ${round}, ${collection.name}`,
            requests: stats.requests.total ?? 0,
            requestsFailed: stats.requests.failed ?? 0,
            assertions: stats.assertions.total ?? 0,
            assertionsFailed: stats.assertions.failed ?? 0,
            failures: summary.run.failures.map(
              (f) => `${f.source?.name ?? '?'}: ${f.error.message}`,
            ),
          });
        }
      }
    } finally {
      await server.stop();
    }
  });
  process.stdout.write(`\nTMF629 CTK on ${db} (${ROUNDS} rounds, no reset between runs)\n`);
  for (const t of totals) {
    process.stdout.write(
      `  ${t.label.padEnd(40)} requests ${t.requests} (failed ${t.requestsFailed}), assertions ${t.assertions} (failed ${t.assertionsFailed})\n`,
    );
    for (const failure of t.failures) {
      process.stdout.write(`    FAIL ${failure}\n`);
    }
  }
  const sum = (key: keyof Omit<RunTotals, 'label' | 'failures'>) =>
    totals.reduce((n, t) => n + t[key], 0);
  process.stdout.write(
    `  TOTAL ${' '.repeat(34)} requests ${sum('requests')} (failed ${sum('requestsFailed')}), assertions ${sum('assertions')} (failed ${sum('assertionsFailed')})\n`,
  );
  return sum('requestsFailed') + sum('assertionsFailed') === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `CTK run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(2);
  },
);
