/**
 * What the FTS5 token index costs a SQLite POST, and what fewer tokens or rows would save: the bench's
 * customer (`npm run bench`'s POST body) turned into its token rows by the product's extraction,
 * written in groups (one multi-row INSERT and COMMIT per group, as a write group does) into a fresh
 * FTS5 table of the product's settings, one file per variant, the variants in turn per group.
 * Prints the writing thread's CPU per customer (FTS5's insert, its segment write at COMMIT and its
 * automerge, the WAL) and the extraction's. Not the product's code path for the rows' use: a probe.
 *
 *   ts-node -r tsconfig-paths/register test/load/fts5-row-cost-probe.ts [--groups 400] [--group 34] [--dir /tmp]
 */
import { join } from 'node:path';

import { extractTokenRows, TokenRow, tokenRowId } from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';

import { arg } from './bench-args';
import { fixture } from './customer-requests';
import { openProbeTable, threadCpuUs, writeRows } from './fts5-probe-table';

const GROUPS = Number(arg('groups', '400'));
const GROUP = Number(arg('group', '34'));
const DIR = arg('dir', '/tmp');
// The first groups warm the process and the table up.
const WARM_UP = Math.min(50, Math.floor(GROUPS / 4));

const words = (row: TokenRow) => row.tokens.split(' ');
const withTokens = (row: TokenRow, keep: (token: string, i: number) => boolean): TokenRow => ({
  ...row,
  tokens: words(row)
    .filter((t, i) => keep(t, i))
    .join(' '),
});

/** Each variant: the rows written for a customer's rows as the product extracts them. */
const VARIANTS: Record<string, (rows: TokenRow[]) => TokenRow[]> = {
  'as today': (rows) => rows,
  'without the slot-0 copies': (rows) =>
    rows.map((row) => (row.slot === 0 ? withTokens(row, (t) => !t.endsWith('x')) : row)),
  'every other token': (rows) => rows.map((row) => withTokens(row, (_, i) => i % 2 === 0)),
  'all tokens in one row': (rows) => [{ slot: 0, tokens: rows.map((row) => row.tokens).join(' ') }],
};

function main(): void {
  const names = Object.keys(VARIANTS);
  const dbs = names.map((name, i) => openProbeTable(join(DIR, `fts5-row-cost-${i}.sqlite`)));
  const seqs = names.map(() => 1);
  const cpu = names.map(() => 0);
  const tokens = names.map(() => 0);
  const rowCount = names.map(() => 0);
  let extraction = 0;
  let customers = 0;
  let i = 0;
  for (let g = 0; g < GROUPS; g++) {
    const docs = Array.from({ length: GROUP }, () => ({
      id: `c${i}`,
      ...fixture.makeCustomer(i++),
    }));
    const start = process.threadCpuUsage();
    const extracted = docs.map((doc) => extractTokenRows(doc, customerSqlStorage));
    const spent = threadCpuUs(start);
    if (g >= WARM_UP) {
      extraction += spent;
      customers += GROUP;
    }
    names.forEach((name, v) => {
      const rows: [number, string][] = [];
      for (const customerRows of extracted) {
        const seq = seqs[v]++;
        for (const row of VARIANTS[name](customerRows)) {
          rows.push([tokenRowId(seq, row.slot), row.tokens]);
          if (g >= WARM_UP) {
            tokens[v] += words(row).length;
            rowCount[v]++;
          }
        }
      }
      const used = writeRows(dbs[v], rows);
      if (g >= WARM_UP) {
        cpu[v] += used;
      }
    });
  }
  console.log(`${customers} customers measured, groups of ${GROUP}`);
  console.log(`extraction: ${(extraction / customers).toFixed(1)} µs per customer`);
  console.log('| variant | tokens / rows per customer | FTS5 CPU per customer |');
  console.log('|---|---|---|');
  names.forEach((name, v) => {
    console.log(
      `| ${name} | ${(tokens[v] / customers).toFixed(1)} / ${(rowCount[v] / customers).toFixed(1)} | ` +
        `${(cpu[v] / customers).toFixed(1)} µs |`,
    );
    dbs[v].close();
  });
}

main();
