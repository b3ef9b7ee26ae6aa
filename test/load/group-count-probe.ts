/**
 * The count of a same-element group on the one-row token index (ADR 0014): the product's statement
 * (the customers' rows by `COUNT(*)`, the later elements' rows apart) against `COUNT(DISTINCT
 * rowid >> 20)` of the whole lookup, on a seeded SQLite database, read-only. Both must agree.
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register test/load/group-count-probe.ts \
 *     <file.sqlite> [--runs 9]
 */
import Database from 'better-sqlite3';

import { buildListStatements, compileSql, parseQuery } from '@app/tmf-query';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerSqlStorage } from '@server/customer/customer.storage';

const FILE = process.argv[2];
const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1] || 9);
const GROUPS = [
  'contactMedium.mediumType=postalAddress&contactMedium.characteristic.city=Lyon',
  'characteristic.name=segment&characteristic.value=business',
  'contactMedium.mediumType=email&contactMedium.preferred=true',
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timed(run: () => number): { ms: number; total: number } {
  let total = 0;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    total = run();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { ms: median(times), total };
}

const db = new Database(FILE, { readonly: true });
db.pragma('cache_size = -16384');
process.stdout.write(
  `| group | customers | split count ms | COUNT(DISTINCT) ms |\n|---|---|---|---|\n`,
);
for (const raw of GROUPS) {
  const query = parseQuery(raw, customerQuerySchema, {
    paging: { defaultLimit: 20, maxLimit: 1000 },
  });
  const compiled = compileSql(query, customerSqlStorage, { dialect: 'sqlite' });
  const { count } = buildListStatements(compiled, customerSqlStorage, 'c.id', { seqOrdered: true });
  const sup = compiled.tokenSearch?.parts[0]?.sup;
  if (!sup || compiled.tokenSearch?.parts.length !== 1) {
    throw new Error(`'${raw}' is not one same-element group of the token index`);
  }
  const split = db.prepare(count.sql);
  const distinct = db.prepare(
    'SELECT COUNT(DISTINCT rowid >> 20) AS total FROM customer_search WHERE customer_search MATCH ?',
  );
  const a = timed(() => (split.get(...count.params) as { total: number }).total);
  const b = timed(() => (distinct.get(sup) as { total: number }).total);
  if (a.total !== b.total) {
    throw new Error(`'${raw}': ${a.total} against ${b.total}`);
  }
  process.stdout.write(
    `| ${raw} | ${a.total.toLocaleString('en')} | ${a.ms.toFixed(1)} | ${b.ms.toFixed(1)} |\n`,
  );
}
db.close();
