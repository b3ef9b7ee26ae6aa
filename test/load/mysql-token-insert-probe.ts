/**
 * What MariaDB spends on a write group's token rows: the bench's customers (`npm run bench`'s
 * fixture) turned into their rows by the product's extraction, a table of the token table's shape
 * (in a database of its own) holding `--prefill` customers of one epoch, then write groups of
 * `--group` customers inserted in turn by each variant (one multi-row INSERT and COMMIT per group, as
 * a write group sends it). Prints MariaDB's CPU per customer (`/proc/<pid>/stat` of the server
 * around each group: nothing else may use that MariaDB) and the wall time. Not the product's
 * code path: a probe.
 *
 *   ts-node -r tsconfig-paths/register test/load/mysql-token-insert-probe.ts
 *     [--pid <mariadbd pid>, default: the one MariaDB running] [--url mysql://root@127.0.0.1:3306]
 *     [--group 12] [--groups 600] [--prefill 10000]
 */
import { createConnection } from 'mysql2/promise';

import { epochOf, extractMysqlTokenRows } from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';

import { arg } from './bench-args';
import { cpuSeconds, databaseServerPid } from './cpu-meter';
import { fixture } from './customer-requests';

const PID = Number(arg('pid', String(databaseServerPid() ?? 0)));
const URL = arg('url', 'mysql://root@127.0.0.1:3306');
const GROUP = Number(arg('group', '12'));
const GROUPS = Number(arg('groups', '600'));
const PREFILL = Number(arg('prefill', '10000'));
const DATABASE = 'tmf_token_insert_probe';
/** An epoch of its own: the newest epoch's region, where a POST's rows go. */
const FIRST_SEQ = 16384 * 6;

interface Row {
  epoch: number;
  token: number;
  tokenText: string;
  v: string;
  seq: number;
  slot: number;
  rep: number;
}

function rowsOf(seq: number): Row[] {
  const document = { id: `probe-${seq}`, ...fixture.makeCustomer(seq * 7919) };
  return extractMysqlTokenRows(document, customerSqlStorage).map((r) => ({
    epoch: epochOf(seq),
    token: r.token,
    tokenText: r.key.slice(0, r.key.length - r.v.length - 1),
    v: r.v,
    seq,
    slot: r.slot,
    rep: r.rep,
  }));
}

const COLUMNS = 'INSERT INTO t (epoch, token, v, seq, slot, rep) VALUES ';

function literals(rows: readonly Row[]): string {
  return (
    COLUMNS +
    rows
      .map((r) => `(${r.epoch}, ${r.tokenText}, ${r.v}, ${r.seq}, ${r.slot}, ${r.rep})`)
      .join(', ')
  );
}

/** The table's primary-key order. */
function byKey(a: Row, b: Row): number {
  const v = a.v === b.v ? 0 : BigInt(a.v) < BigInt(b.v) ? -1 : 1;
  return a.epoch - b.epoch || a.token - b.token || v || a.seq - b.seq || a.slot - b.slot;
}

type Send = (
  run: (sql: string, params?: (string | number)[]) => Promise<unknown>,
  customers: Row[][],
) => Promise<unknown>;

const VARIANTS: Record<string, { send: Send; prepared?: boolean }> = {
  // As the product sends them: every customer's rows in extraction order, as literals.
  'as extracted, literals': { send: (run, customers) => run(literals(customers.flat())) },
  'in primary-key order, literals': {
    send: (run, customers) => run(literals(customers.flat().sort(byKey))),
  },
  'as extracted, prepared (binary protocol)': {
    prepared: true,
    send: (run, customers) => {
      const rows = customers.flat();
      return run(
        COLUMNS + rows.map(() => '(?, ?, ?, ?, ?, ?)').join(', '),
        rows.flatMap((r) => [r.epoch, r.tokenText, r.v, r.seq, r.slot, r.rep]),
      );
    },
  },
  // Nearly the transaction's own cost: each customer's first six rows only.
  'six rows per customer, literals': {
    send: (run, customers) => run(literals(customers.flatMap((rows) => rows.slice(0, 6)))),
  },
};

async function main(): Promise<void> {
  if (!PID) {
    throw new Error('--pid <the MariaDB server process> is required when not exactly one runs');
  }
  const connection = await createConnection({ uri: URL, multipleStatements: true });
  await connection.query(
    `DROP DATABASE IF EXISTS ${DATABASE}; CREATE DATABASE ${DATABASE}; USE ${DATABASE}`,
  );
  await connection.query(
    'CREATE TABLE t (epoch INT UNSIGNED NOT NULL, token BIGINT NOT NULL, v BIGINT UNSIGNED NOT NULL, ' +
      'seq INT UNSIGNED NOT NULL, slot MEDIUMINT UNSIGNED NOT NULL, rep TINYINT NOT NULL DEFAULT 0, ' +
      'PRIMARY KEY (epoch, token, v, seq, slot)) ENGINE=InnoDB',
  );
  let seq = FIRST_SEQ;
  for (let done = 0; done < PREFILL; done += 500) {
    const rows: Row[] = [];
    for (let i = 0; i < 500; i++) {
      rows.push(...rowsOf(seq++));
    }
    await connection.query(literals(rows));
  }
  const names = Object.keys(VARIANTS);
  const totals = new Map(names.map((n) => [n, { cpuUs: 0, ms: 0, customers: 0, rows: 0 }]));
  for (let g = 0; g < GROUPS; g++) {
    const name = names[g % names.length];
    const variant = VARIANTS[name];
    const customers: Row[][] = [];
    for (let i = 0; i < GROUP; i++) {
      customers.push(rowsOf(seq++));
    }
    const run = (sql: string, params?: (string | number)[]) =>
      variant.prepared ? connection.execute(sql, params) : connection.query(sql);
    const cpu0 = cpuSeconds(PID) * 1e6;
    const t0 = process.hrtime.bigint();
    await connection.query('BEGIN');
    await variant.send(run, customers);
    await connection.query('COMMIT');
    const total = totals.get(name)!;
    total.ms += Number(process.hrtime.bigint() - t0) / 1e6;
    total.cpuUs += cpuSeconds(PID) * 1e6 - cpu0;
    total.customers += GROUP;
    total.rows += customers.reduce((n, rows) => n + rows.length, 0);
  }
  const first = totals.get(names[0])!;
  console.log(
    `${PREFILL} customers prefilled, ${GROUPS} groups of ${GROUP}, ${first.rows / first.customers} rows per customer`,
  );
  for (const [name, t] of totals) {
    console.log(
      `${name}: MariaDB CPU ${(t.cpuUs / t.customers).toFixed(0)} µs per customer, wall ${(
        (1000 * t.ms) /
        t.customers
      ).toFixed(0)} µs per customer`,
    );
  }
  await connection.query(`DROP DATABASE ${DATABASE}`);
  await connection.end();
}

void main();
