/**
 * What one FTS5 row per customer would cost the token queries, against today's element rows: the
 * bench's customers as the product extracts them, stored twice in fresh tables of the product's
 * settings:
 * - today: the slot-0 row and one row per array element (row id `seq * 2^20 + slot`);
 * - one row: the slot-0 row's tokens, every element row's tokens copied without a mark (any
 *   element), and again marked with their element (`<token>y<slot>`, the same element).
 * Then, on random customers' rows, three query shapes, each counted (exact customers) in both:
 * - a same-element pair (two tokens of one element row): today `MATCH 'A B'` on the element rows,
 *   customers counted distinct; one row: the OR over the elements of `(Ay<e> By<e>)`;
 * - one element token, any element: today its element rows, distinct; one row: its unmarked copy;
 * - an OR of 20 element tokens (a range's cover): as above, 20 tokens.
 * Prints insert and delete CPU per customer and µs per query. Not the product's code path: a probe
 * of a layout the product does not have.
 *
 *   ts-node -r tsconfig-paths/register test/load/fts5-one-row-probe.ts [--customers 100000]
 *     [--queries 300] [--dir /tmp]
 */
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { SLOT_BITS, TokenRow, tokenRowId } from '@app/tmf-query';

import { arg } from './bench-args';
import { customerTokenRows, openProbeTable, writeRows } from './fts5-probe-table';

const CUSTOMERS = Number(arg('customers', '100000'));
const QUERIES = Number(arg('queries', '300'));
const DIR = arg('dir', '/tmp');
const GROUP = 34;

/** The one-row layout of a customer's extracted rows. */
function oneRow(rows: TokenRow[]): string {
  const tokens = new Set<string>();
  for (const row of rows) {
    for (const token of row.tokens.split(' ')) {
      tokens.add(token);
      if (row.slot > 0) {
        tokens.add(`${token}y${row.slot}`);
      }
    }
  }
  return [...tokens].join(' ');
}

let state = 20261206;
function random(n: number): number {
  state = (state * 1103515245 + 12345) % 2 ** 31;
  return state % n;
}

function timeQueries(db: Database.Database, queries: { sql: string; match: string }[]): number {
  const statements = new Map<string, Database.Statement>();
  const before = process.hrtime.bigint();
  for (const { sql, match } of queries) {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    statement.get(match);
  }
  return Number(process.hrtime.bigint() - before) / 1000 / queries.length;
}

function main(): void {
  const today = openProbeTable(join(DIR, 'fts5-one-row-today.sqlite'));
  const single = openProbeTable(join(DIR, 'fts5-one-row-single.sqlite'));
  // Element rows of a sample of customers, for the queries.
  const sample: TokenRow[][] = [];
  let insertToday = 0;
  let insertSingle = 0;
  let tokensToday = 0;
  let tokensSingle = 0;
  let slots = 0;
  for (let from = 0; from < CUSTOMERS; from += GROUP) {
    const count = Math.min(GROUP, CUSTOMERS - from);
    const extracted = customerTokenRows(from, count);
    if (sample.length < 2000 && from % 50 === 0) {
      sample.push(extracted[0]);
    }
    const rows: [number, string][] = [];
    const singles: [number, string][] = [];
    extracted.forEach((customerRows, k) => {
      const seq = from + k + 1;
      for (const row of customerRows) {
        slots = Math.max(slots, row.slot);
        rows.push([tokenRowId(seq, row.slot), row.tokens]);
        tokensToday += row.tokens.split(' ').length;
      }
      const text = oneRow(customerRows);
      singles.push([seq, text]);
      tokensSingle += text.split(' ').length;
    });
    insertToday += writeRows(today, rows);
    insertSingle += writeRows(single, singles);
  }
  for (const db of [today, single]) {
    db.exec("INSERT INTO s (s) VALUES ('optimize')");
    db.pragma('wal_checkpoint(TRUNCATE)');
  }

  const elementRows = sample.flatMap((rows) =>
    rows.filter((row) => row.slot > 0 && row.tokens.split(' ').length >= 2),
  );
  const pick = <T>(list: T[]) => list[random(list.length)];
  const shift = 2 ** SLOT_BITS;
  const distinct = `SELECT COUNT(DISTINCT rowid / ${shift}) AS n FROM s WHERE s MATCH ?`;
  const counted = 'SELECT COUNT(*) AS n FROM s WHERE s MATCH ?';
  const shapes: Record<string, { today: string[]; single: string[] }> = {
    'same-element pair': { today: [], single: [] },
    'one element token, any element': { today: [], single: [] },
    'OR of 20 element tokens': { today: [], single: [] },
  };
  for (let q = 0; q < QUERIES; q++) {
    const row = pick(elementRows);
    const words = row.tokens.split(' ');
    const a = words[random(words.length)];
    let b = words[random(words.length)];
    if (b === a) {
      b = words[(words.indexOf(a) + 1) % words.length];
    }
    shapes['same-element pair'].today.push(`${a} ${b}`);
    shapes['same-element pair'].single.push(
      Array.from({ length: slots }, (_, e) => `(${a}y${e + 1} ${b}y${e + 1})`).join(' OR '),
    );
    shapes['one element token, any element'].today.push(a);
    shapes['one element token, any element'].single.push(a);
    const cover = Array.from({ length: 20 }, () => {
      const other = pick(elementRows).tokens.split(' ');
      return other[random(other.length)];
    });
    shapes['OR of 20 element tokens'].today.push(cover.join(' OR '));
    shapes['OR of 20 element tokens'].single.push(cover.join(' OR '));
  }
  // The same answers from both layouts (a check of the probe, on the first queries).
  for (const [name, shape] of Object.entries(shapes)) {
    for (let q = 0; q < 20; q++) {
      const n1 = (today.prepare(distinct).get(shape.today[q]) as { n: number }).n;
      const n2 = (single.prepare(counted).get(shape.single[q]) as { n: number }).n;
      if (n1 !== n2) {
        throw new Error(`${name}: ${n1} customers today, ${n2} in one row (${shape.today[q]})`);
      }
    }
  }

  console.log(
    `${CUSTOMERS} customers; tokens per customer today ${(tokensToday / CUSTOMERS).toFixed(1)} ` +
      `one row ${(tokensSingle / CUSTOMERS).toFixed(1)}; insert CPU per customer ` +
      `today ${(insertToday / CUSTOMERS).toFixed(1)} µs, one row ${(insertSingle / CUSTOMERS).toFixed(1)} µs`,
  );
  console.log('| query (exact count of customers) | today µs | one row µs |');
  console.log('|---|---|---|');
  for (const [name, shape] of Object.entries(shapes)) {
    // Alternate the layouts, twice each; the second round is reported (warm).
    timeQueries(
      today,
      shape.today.map((match) => ({ sql: distinct, match })),
    );
    timeQueries(
      single,
      shape.single.map((match) => ({ sql: counted, match })),
    );
    const t = timeQueries(
      today,
      shape.today.map((match) => ({ sql: distinct, match })),
    );
    const s = timeQueries(
      single,
      shape.single.map((match) => ({ sql: counted, match })),
    );
    console.log(`| ${name} | ${t.toFixed(0)} | ${s.toFixed(0)} |`);
  }
  today.close();
  single.close();
}

main();
