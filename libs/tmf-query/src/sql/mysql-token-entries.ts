import { arrayElements, elementValues, valuesAt } from '@app/tmf-query/memory';
import { StoredValue } from '@app/tmf-query/values';

import { SqlStatement } from './index-entries';
import { addCountDeltas, CountDeltas } from './mysql-token-counts';
import { mysqlTokenEpochBumpStatement } from './mysql-token-epochs';
import { MysqlTokenMapping, SqlStorage } from './storage';
import { layoutOf, SLOTS, TokenIndexLimitException, TokenLeaf, tokenRoots } from './token-entries';
import {
  keyText,
  orderedTokenNumber,
  sortableKey,
  stringKey,
  valueTokenNumber,
} from './token-encoding';

/**
 * The token index on MySQL/MariaDB (ADR 0008): a B-tree table whose clustered key is
 * `(epoch, token, v, seq, slot)`.
 * - `token` is a 53-bit hash of a fact (`valueTokenNumber`), `v` 0; numbers, date-times and the
 *   strings of `any` values have an _ordered row_ instead: the path's token (`orderedTokenNumber`)
 *   and the value's order-preserving 64-bit key in `v`, so equality and ranges are exact range
 *   scans (no buckets, no residual check).
 * - `seq` is the resource's stable integer key (an AUTO_INCREMENT column), `slot` its index row as
 *   on SQLite (0: outside arrays, then one per first-level array element).
 * - `epoch` is `seq >> EPOCH_BITS`: a new resource's rows all land in the newest epoch, a region of
 *   the B-tree small enough to stay in the buffer pool, instead of ~35 random leaf pages. A lookup
 *   is one range scan per epoch.
 * A deleted resource's rows stay until the sweep (`tokenSweepStatements`): queries join the
 * resource table on `seq`, so rows without a resource are never seen.
 */
export const EPOCH_BITS = 14;

/** One row of the token table: its token, `v` (decimal text of a BIGINT UNSIGNED) and slot. */
export interface MysqlTokenRow {
  readonly token: number;
  readonly v: string;
  readonly slot: number;
  /**
   * 1 when an earlier slot of the same resource holds the same `(token, v)` (two array elements
   * with the same value), else 0: the resources with a `(token, v)` are its rows with `rep = 0`,
   * counted without de-duplicating (`COUNT(*)`, not `COUNT(DISTINCT seq)`).
   */
  readonly rep: 0 | 1;
  /**
   * `token:v`, the key of the kept counts and the held sets. Made once per row: a token's decimal
   * text is a double's conversion (~0.2 µs), and a write needs it for the key, the count delta and
   * the INSERT's literal.
   */
  readonly key: string;
}

/** The epoch of a resource's rows. */
export function epochOf(seq: number): number {
  return Math.floor(seq / 2 ** EPOCH_BITS);
}

/** The token table and the list of deleted resources' keys still to sweep (DDL, MySQL/MariaDB). */
export function mysqlTokenDdl(storage: SqlStorage): string[] {
  const { table, deadTable } = mysqlTokenMapping(storage);
  return [
    `CREATE TABLE ${table} (
      epoch INT UNSIGNED NOT NULL,
      token BIGINT NOT NULL,
      v BIGINT UNSIGNED NOT NULL,
      seq INT UNSIGNED NOT NULL,
      slot MEDIUMINT UNSIGNED NOT NULL,
      PRIMARY KEY (epoch, token, v, seq, slot)
    ) ENGINE=InnoDB`,
    `CREATE TABLE ${deadTable} (seq INT UNSIGNED NOT NULL PRIMARY KEY) ENGINE=InnoDB`,
  ];
}

/**
 * The token table's `rep` column (see {@link MysqlTokenRow}), added after the table: instant on
 * MariaDB 10.4+ and MySQL 8, 0 on the existing rows until they are marked
 * ({@link markRepeatsStatement}).
 */
export function mysqlTokenRepeatDdl(storage: SqlStorage): string {
  return `ALTER TABLE ${mysqlTokenMapping(storage).table} ADD COLUMN rep TINYINT UNSIGNED NOT NULL DEFAULT 0`;
}

/**
 * Marks the repeated rows of one epoch (`rep = 1` on every row but the first slot of each
 * resource's `(token, v)`), params `[epoch, epoch]`: one walk of the epoch's region.
 */
export function markRepeatsStatement(storage: SqlStorage): string {
  const { table } = mysqlTokenMapping(storage);
  return (
    `UPDATE ${table} t JOIN (SELECT token, v, seq, MIN(slot) AS first FROM ${table} WHERE epoch = ? ` +
    'GROUP BY token, v, seq HAVING COUNT(*) > 1) d ON t.token = d.token AND t.v = d.v AND t.seq = d.seq ' +
    'SET t.rep = 1 WHERE t.epoch = ? AND t.slot > d.first'
  );
}

/**
 * The rows of a resource document: one per distinct (token, v) of each index row. Values are
 * reduced exactly as the evaluator reduces them.
 *
 * @throws TokenIndexLimitException when the arrays hold more elements than there are slots
 */
export function extractMysqlTokenRows(document: unknown, storage: SqlStorage): MysqlTokenRow[] {
  const layout = layoutOf(storage);
  const rows: MysqlTokenRow[] = [];
  // The last slot holding each (token, v) so far, in slot order: a later slot's row repeats it,
  // the same slot's is the same row. Slots are visited in increasing order.
  const lastSlot = new Map<string, number>();
  const push = (slot: number, leaf: TokenLeaf, values: StoredValue[]) => {
    for (const row of leafRows(leaf, values)) {
      const last = lastSlot.get(row.key);
      if (last !== slot) {
        lastSlot.set(row.key, slot);
        rows.push({
          token: row.token,
          v: row.v,
          slot,
          rep: last === undefined ? 0 : 1,
          key: row.key,
        });
      }
    }
  };
  for (const leaf of layout.root) {
    push(0, leaf, valuesAt(document, leaf.attribute));
  }
  let base = 1;
  for (const { sample, leaves } of layout.arrays) {
    const elements = arrayElements(document, sample);
    if (base + elements.length > SLOTS) {
      throw new TokenIndexLimitException(base - 1 + elements.length);
    }
    elements.forEach((element, pos) => {
      for (const leaf of leaves) {
        push(base + pos, leaf, elementValues(element, leaf.attribute));
      }
    });
    base += elements.length;
  }
  return rows;
}

/** Every leaf's values in a resource document (outside arrays, then each element's), no slots. */
function forEachLeaf(
  document: unknown,
  storage: SqlStorage,
  visit: (leaf: TokenLeaf, values: StoredValue[]) => void,
): void {
  const layout = layoutOf(storage);
  for (const leaf of layout.root) {
    visit(leaf, valuesAt(document, leaf.attribute));
  }
  for (const { sample, leaves } of layout.arrays) {
    for (const element of arrayElements(document, sample)) {
      for (const leaf of leaves) {
        visit(leaf, elementValues(element, leaf.attribute));
      }
    }
  }
}

/** The leaf (path id) of each `token:v` key of a resource document. */
export function mysqlTokenKeyPaths(document: unknown, storage: SqlStorage): Map<string, number> {
  const paths = new Map<string, number>();
  forEachLeaf(document, storage, (leaf, values) => {
    for (const row of leafRows(leaf, values)) {
      paths.set(row.key, leaf.pathId);
    }
  });
  return paths;
}

/**
 * The distinct keys (`token:v`) of a resource document, without its rows (no slots, no `rep`):
 * those of the leaves `pathIds` only and among `kept` only, when given.
 */
export function mysqlTokenKeysOf(
  document: unknown,
  storage: SqlStorage,
  pathIds?: ReadonlySet<number>,
  kept?: ReadonlySet<string>,
): Set<string> {
  const keys = new Set<string>();
  forEachLeaf(document, storage, (leaf, values) => {
    if (pathIds && !pathIds.has(leaf.pathId)) {
      return;
    }
    for (const { key } of leafRows(leaf, values)) {
      if (!kept || kept.has(key)) {
        keys.add(key);
      }
    }
  });
  return keys;
}

/** A leaf's `(token, v)` pairs with their key (`token:v`, see {@link MysqlTokenRow.key}). */
type LeafRow = Pick<MysqlTokenRow, 'token' | 'v' | 'key'>;

function leafRow(token: number, v: string): LeafRow {
  return { token, v, key: `${token}:${v}` };
}

function leafRows({ pathId, attribute }: TokenLeaf, values: StoredValue[]): LeafRow[] {
  const out: LeafRow[] = [];
  for (const stored of values) {
    if (stored.kind === 's') {
      out.push(leafRow(valueTokenNumber(pathId, 's', stored.text), '0'));
      // Ranges on an `any` value compare stored strings as strings (typed string paths have none).
      if (attribute.type === 'any') {
        out.push(leafRow(orderedTokenNumber(pathId, 's'), keyText(stringKey(stored.text))));
      }
    } else if (stored.kind === 'b') {
      out.push(leafRow(valueTokenNumber(pathId, 'b', stored.num), '0'));
    } else {
      out.push(leafRow(orderedTokenNumber(pathId, stored.kind), keyText(sortableKey(stored.num))));
    }
  }
  return out;
}

const INSERT_BATCH = 200;

/** Statements that write a new resource's rows (multi-row INSERTs). */
export function mysqlTokenInsertStatements(
  storage: SqlStorage,
  seq: number,
  document: unknown,
): SqlStatement[] {
  return insertRows(storage, seq, extractMysqlTokenRows(document, storage));
}

/** Rows per INSERT when several resources' rows are written together. */
const GROUP_INSERT_BATCH = 1000;

/**
 * Statements that write several new resources' rows (a write group's): one multi-row INSERT per
 * {@link GROUP_INSERT_BATCH} rows, whichever resource they belong to, its values written as
 * literals (every one an integer: no `?` for the driver to fill in and escape, ~260 per resource).
 * `deltas`: the keys they add to the kept counts are added there (only those among `kept`, when
 * given: the count statement sends no other).
 */
export function mysqlTokenInsertStatementsFor(
  storage: SqlStorage,
  resources: readonly { seq: number; document: unknown }[],
  deltas?: CountDeltas,
  kept?: ReadonlySet<string>,
): SqlStatement[] {
  const { table } = mysqlTokenMapping(storage);
  const values: string[] = [];
  for (const { seq, document } of resources) {
    const head = `(${epochOf(seq)}, `;
    const middle = `, ${seq}, `;
    const rows = extractMysqlTokenRows(document, storage);
    for (const row of rows) {
      // The key's text is `<token>:<v>`: the literals `<token>, <v>` without converting again.
      const tokenText = row.key.slice(0, row.key.length - row.v.length - 1);
      values.push(`${head}${tokenText}, ${row.v}${middle}${row.slot}, ${row.rep})`);
    }
    if (deltas) {
      addCountDeltas(deltas, rows, 1, kept);
    }
    if (!Number.isSafeInteger(seq) || !rows.every(isIntegerRow)) {
      throw new Error(`Token rows of seq ${seq} that are not integers`);
    }
  }
  const statements: SqlStatement[] = [];
  for (let start = 0; start < values.length; start += GROUP_INSERT_BATCH) {
    statements.push({
      sql: `INSERT INTO ${table} (epoch, token, v, seq, slot, rep) VALUES ${values.slice(start, start + GROUP_INSERT_BATCH).join(', ')}`,
      params: [],
    });
  }
  return statements;
}

/** A row whose values are integers (`v` the decimal text of one): safe as SQL literals. */
function isIntegerRow(row: MysqlTokenRow): boolean {
  return Number.isSafeInteger(row.token) && Number.isSafeInteger(row.slot) && /^\d+$/.test(row.v);
}

/**
 * Statements that bring a resource's rows from `before` to `after`, touching only the rows that
 * differ (by key), none when no changed top-level attribute feeds the index. `deltas`: the change
 * of the keys it counts for (kept counts) is added there.
 */
export function mysqlTokenUpdateStatements(
  storage: SqlStorage,
  seq: number,
  before: unknown,
  after: unknown,
  changedRoots?: readonly string[],
  deltas?: CountDeltas,
): SqlStatement[] {
  if (changedRoots && !mysqlTokenChanges(storage, changedRoots)) {
    return [];
  }
  // A row whose `rep` changed (an earlier element with its value came or went) is rewritten.
  const key = (r: MysqlTokenRow) => `${r.key}:${r.slot}:${r.rep}`;
  const beforeRows = extractMysqlTokenRows(before, storage);
  const afterRows = extractMysqlTokenRows(after, storage);
  if (deltas) {
    // Per key, +1 or -1 when the resource gained or lost it (its rep = 0 row), else 0 (dropped).
    const change: CountDeltas = new Map();
    addCountDeltas(change, beforeRows, -1);
    addCountDeltas(change, afterRows, 1);
    for (const [k, d] of change) {
      if (d !== 0) {
        deltas.set(k, (deltas.get(k) ?? 0) + d);
      }
    }
  }
  const previous = new Map(beforeRows.map((r) => [key(r), r]));
  const fresh: MysqlTokenRow[] = [];
  for (const row of afterRows) {
    if (!previous.delete(key(row))) {
      fresh.push(row);
    }
  }
  const statements: SqlStatement[] = [];
  const stale = [...previous.values()];
  const { table } = mysqlTokenMapping(storage);
  const epoch = epochOf(seq);
  for (let start = 0; start < stale.length; start += INSERT_BATCH) {
    const batch = stale.slice(start, start + INSERT_BATCH);
    statements.push({
      sql:
        `DELETE FROM ${table} WHERE ` +
        batch
          .map(() => '(epoch = ? AND token = ? AND v = ? AND seq = ? AND slot = ?)')
          .join(' OR '),
      params: batch.flatMap((r) => [epoch, r.token, r.v, seq, r.slot]),
    });
  }
  return [...statements, ...insertRows(storage, seq, fresh)];
}

/** Whether a write that changed these top-level attributes changes the token rows. */
export function mysqlTokenChanges(storage: SqlStorage, changedRoots: readonly string[]): boolean {
  const roots = tokenRoots(storage);
  return changedRoots.some((root) => roots.has(root));
}

/**
 * The statement that records a deleted resource's `seq` for the sweep (its rows stay until then:
 * a delete writes one row at the end of a small table instead of deleting ~35 rows at random
 * positions). `seqOf` is SQL that yields the seq (e.g. a subquery on the resource's id).
 */
export function mysqlTokenDeleteStatement(
  storage: SqlStorage,
  seqSelect: SqlStatement,
): SqlStatement {
  return {
    sql: `INSERT INTO ${mysqlTokenMapping(storage).deadTable} (seq) ${seqSelect.sql}`,
    params: seqSelect.params,
  };
}

/**
 * A deleted resource's change of the kept counts (added to `deltas`): its keys leave them in the
 * delete's transaction, though its rows wait for the sweep.
 */
export function mysqlTokenDeleteDeltas(
  storage: SqlStorage,
  document: unknown,
  deltas: CountDeltas,
  /** The leaves that hold kept keys, and the kept keys, when known: nothing else is worked out. */
  pathIds?: ReadonlySet<number>,
  kept?: ReadonlySet<string>,
): void {
  for (const key of mysqlTokenKeysOf(document, storage, pathIds, kept)) {
    deltas.set(key, (deltas.get(key) ?? 0) - 1);
  }
}

/**
 * The statement that records deleted resources' `seq`s for the sweep (their rows stay until then:
 * a delete writes one row at the end of a small table instead of deleting ~35 rows at random
 * positions); none for none.
 */
export function mysqlTokenDeadStatements(
  storage: SqlStorage,
  seqs: readonly number[],
): SqlStatement[] {
  if (seqs.length === 0) {
    return [];
  }
  return [
    {
      sql: `INSERT INTO ${mysqlTokenMapping(storage).deadTable} (seq) VALUES ${seqs.map(() => '(?)').join(', ')}`,
      params: [...seqs],
    },
  ];
}

function insertRows(
  storage: SqlStorage,
  seq: number,
  rows: readonly MysqlTokenRow[],
): SqlStatement[] {
  const { table } = mysqlTokenMapping(storage);
  const epoch = epochOf(seq);
  const statements: SqlStatement[] = [];
  for (let start = 0; start < rows.length; start += INSERT_BATCH) {
    const batch = rows.slice(start, start + INSERT_BATCH);
    statements.push({
      sql: `INSERT INTO ${table} (epoch, token, v, seq, slot, rep) VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      params: batch.flatMap((row) => [epoch, row.token, row.v, seq, row.slot, row.rep]),
    });
  }
  return statements;
}

/** Dead keys taken per sweep pass, at most. */
export const SWEEP_BATCH = 5000;

/**
 * One pass of the sweep, for the dead keys `seqs` of one epoch: the statement that deletes their
 * rows (a walk of that epoch's region in key order, once for many keys, instead of ~35 random
 * deletes per resource), the one that forgets the keys and, in the same transaction, the epoch's
 * change counter raised on `shard` (held bitmaps of the epoch are read again).
 */
export function tokenSweepStatements(
  storage: SqlStorage,
  epoch: number,
  seqs: readonly number[],
  shard = 0,
): SqlStatement[] {
  const { table, deadTable } = mysqlTokenMapping(storage);
  const list = seqs.map(() => '?').join(', ');
  const counter = mysqlTokenEpochBumpStatement(storage, [epoch], shard);
  return [
    { sql: `DELETE FROM ${table} WHERE epoch = ? AND seq IN (${list})`, params: [epoch, ...seqs] },
    { sql: `DELETE FROM ${deadTable} WHERE seq IN (${list})`, params: [...seqs] },
    ...(counter ? [counter] : []),
  ];
}

export function mysqlTokenMapping(storage: SqlStorage): MysqlTokenMapping {
  if (!storage.mysqlTokenIndex) {
    throw new Error(`Storage of '${storage.table}' has no MySQL token index`);
  }
  return storage.mysqlTokenIndex;
}
