import { randomInt } from 'node:crypto';

import type { EntityManager } from 'typeorm';

import {
  CountDeltas,
  epochsOfSeqs,
  MYSQL_COUNT_SHARDS,
  MYSQL_EPOCH_SHARDS,
  mysqlTokenEpochBumpStatement,
  mysqlCountGenLockStatement,
  mysqlTokenCountStatement,
  mysqlTokenDeadStatements,
  mysqlTokenDeleteDeltas,
  mysqlTokenInsertStatementsFor,
  tokenChangeStatements,
  TokenRowChange,
} from '@app/tmf-query';
import { affectedRows } from '@server/database/affected-rows';
import { Dialect } from '@server/database/dialect';
import type { ClosingStatement, GroupWrite } from '@server/database/transaction-runner';

import { CounterChange, counterChangesStatement } from './customer-counts';
import type { CustomerWrite } from './customer.repository';
import { KeptKeysSource, KeptKeysStale } from './kept-token-keys';
import { customerSqlStorage } from './customer.storage';
import { KeptCountTokens } from './kept-count-tokens';
import type { TokenSets } from './token-sets';

/** What a write leaves for its group (see `customerGroupWrite`). */
export type GroupedChange =
  | { kind: 'tokens'; changes: TokenRowChange[] }
  /** MySQL/MariaDB: a PATCH's change of the kept token counts. */
  | { kind: 'tokenCounts'; deltas: CountDeltas }
  /** MySQL/MariaDB: epochs whose token rows a PATCH rewrote (their change counters go up). */
  | { kind: 'tokenEpochs'; epochs: readonly number[] }
  | { kind: 'count'; change: CounterChange }
  | { kind: 'insert'; row: CustomerWrite }
  | { kind: 'update'; row: CustomerWrite; columns: readonly string[]; expectedVersion: number }
  /** `document`: the stored one (its keys leave the kept token counts). */
  | { kind: 'delete'; id: string; seq: number; document: unknown };

type Grouped<K extends GroupedChange['kind']> = Extract<GroupedChange, { kind: K }>;

function ofKind<K extends GroupedChange['kind']>(
  changes: readonly GroupedChange[],
  kind: K,
): Grouped<K>[] {
  return changes.filter((c): c is Grouped<K> => c.kind === kind);
}

/** The typed columns but the id, in the order {@link columnsOf} derives them. */
export const COLUMN_NAMES = Object.values(customerSqlStorage.columns)
  .map((mapping) => mapping.column)
  .filter((column) => column !== customerSqlStorage.idColumn);
export const COLUMNS = COLUMN_NAMES.join(', ');
export const ROW_PLACEHOLDERS = `(?, ${COLUMN_NAMES.map(() => '?').join(', ')}, ?, ?, ?, ?)`;

/** The parameters of a new row, in the order of `INSERT INTO customer (id, ${COLUMNS}, …)`. */
export function insertParams(row: CustomerWrite): unknown[] {
  return [
    row.id,
    ...COLUMN_NAMES.map((column) => row.columns[column]),
    row.now,
    row.now,
    row.version,
    row.document,
  ];
}

/**
 * What a customer write leaves for its write group, written once per group, not per customer.
 * MySQL/MariaDB: a statement per kind of row for the whole group (new rows, updated rows, deleted
 * rows), then, sent with the group's other closing statements, the new rows' tokens, the deleted
 * ones' keys and one upsert of the counts; with the locked rows read ahead
 * (`CustomerRepository.lockAhead`) a unit sends no statement of its own. A group whose statement
 * fails runs again with each unit's rows written inside the unit (`TransactionRunner.groupWrite`),
 * where the bad one fails alone. SQLite: the token index netted per row. FTS5 writes out the rows
 * it holds in memory as a new segment at every savepoint and before every statement that opens one
 * (a multi-row INSERT, a DELETE), so written per unit, each customer's rows became a segment of
 * their own, with the merges that follow; here the counts go first and the token rows last, and a
 * group's new rows become one segment at COMMIT; the kept counts' UPDATE names only the tokens that
 * have a count row (`KeptCountTokens`). See docs/performance.md.
 * `mariadb`: whether the server is MariaDB (known after init), whose INSERT has `RETURNING`;
 * `keptKeys`: the MariaDB keys with kept token counts, when known (`KeptTokenKeys`); `tokenSets`:
 * the SQLite sets held in memory, told of the group's token changes (`TokenSets.written`).
 */
export function customerGroupWrite(
  dialect: Dialect,
  mariadb: () => boolean,
  keptKeys?: KeptKeysSource,
  tokenSets?: TokenSets,
): GroupWrite<GroupedChange> {
  const countTable = customerSqlStorage.tokenIndex?.countTable;
  const keptCounts = countTable ? new KeptCountTokens(countTable) : undefined;
  return {
    run: async (manager, changes) => {
      const counts = counterChangesStatement(
        dialect,
        changes.flatMap((c) => (c.kind === 'count' ? [c.change] : [])),
      );
      if (dialect === 'mysql') {
        const inserts = ofKind(changes, 'insert');
        const seqs = await insertRows(
          manager,
          mariadb(),
          inserts.map((c) => c.row),
        );
        await updateRows(manager, ofKind(changes, 'update'));
        const deletes = ofKind(changes, 'delete');
        await deleteRows(
          manager,
          deletes.map((c) => c.id),
        );
        // The kept token counts' net change: the new customers' keys, the deleted ones', PATCHes'.
        // (None to compute when no key is kept.)
        const kept = await keptKeys?.current();
        const deltas: CountDeltas = new Map();
        const counting = kept === undefined || kept.keys.size > 0;
        for (const c of counting ? deletes : []) {
          mysqlTokenDeleteDeltas(customerSqlStorage, c.document, deltas, kept?.paths, kept?.keys);
        }
        for (const c of ofKind(changes, 'tokenCounts')) {
          for (const [key, delta] of c.deltas) {
            deltas.set(key, (deltas.get(key) ?? 0) + delta);
          }
        }
        const tokenRows = mysqlTokenInsertStatementsFor(
          customerSqlStorage,
          inserts.map((c, i) => ({ seq: seqs[i], document: c.row.parsed })),
          counting ? deltas : undefined,
          kept?.keys,
        );
        const tokenCounts = mysqlTokenCountStatement(
          customerSqlStorage,
          deltas,
          randomInt(MYSQL_COUNT_SHARDS),
          kept?.keys,
        );
        const dead = mysqlTokenDeadStatements(
          customerSqlStorage,
          deletes.map((c) => c.seq),
        );
        // A group that changes keys (rows of new customers, deleted ones, a PATCH's changed keys)
        // sending only the kept ones: the kept-count generation under a shared lock, before the
        // count UPDATE and held to COMMIT (ADR 0008, "Keys promoted while serving"). Newer than
        // the keys': a key was promoted since; the group runs again with it. When the kept keys
        // are unknown every key is sent: the lock alone orders the group and a promotion, nothing
        // to check.
        const changesKeys =
          tokenRows.length > 0 || dead.length > 0 || ofKind(changes, 'tokenCounts').length > 0;
        const genLock =
          changesKeys && (kept === undefined || kept.gen !== undefined)
            ? mysqlCountGenLockStatement(customerSqlStorage)
            : undefined;
        const checked: ClosingStatement[] = genLock
          ? [
              kept?.gen === undefined
                ? genLock
                : { ...genLock, check: (answer) => checkGen(answer, kept.gen!, keptKeys!) },
            ]
          : [];
        // The change counters of the epochs whose token rows the group changed: its new customers'
        // (the newest epoch) and its PATCHes' rewritten ones; a DELETE leaves its rows (the dead
        // table tells). Held bitmaps of those epochs are read again (ADR 0008, "Kept keys' bitmaps").
        const epochs = mysqlTokenEpochBumpStatement(
          customerSqlStorage,
          [
            ...(tokenRows.length > 0 ? epochsOfSeqs(seqs) : []),
            ...ofKind(changes, 'tokenEpochs').flatMap((c) => c.epochs),
          ],
          randomInt(MYSQL_EPOCH_SHARDS),
        );
        // New customers' token rows and deleted ones' keys as one multi-row INSERT each, sent with
        // the group's other closing writes; the hot rows locked last, each kind in key order and
        // the kinds in one order in every group (epoch counters, token counts, customer counts):
        // no lock cycle between groups.
        return [
          ...tokenRows,
          ...dead,
          ...checked,
          ...(epochs ? [epochs] : []),
          ...(tokenCounts ? [tokenCounts] : []),
          ...(counts ? [counts] : []),
        ];
      }
      const tokenChanges = changes.flatMap((c) => (c.kind === 'tokens' ? c.changes : []));
      tokenSets?.written(manager, tokenChanges);
      return [
        ...(counts ? [counts] : []),
        ...tokenChangeStatements(
          customerSqlStorage,
          tokenChanges,
          keptCounts && tokenChanges.some((c) => c.counted)
            ? await keptCounts.current(manager)
            : undefined,
        ),
      ];
    },
  };
}

/** The generation a group read under its shared lock (`answer`: its rows) against its keys'. */
function checkGen(answer: unknown, gen: number, keptKeys: KeptKeysSource): void {
  const rows = answer as { kept_gen: string | number }[] | undefined;
  const read = Array.isArray(rows) && rows.length === 1 ? Number(rows[0].kept_gen) : undefined;
  if (read === undefined) {
    throw new Error('The kept-count generation row is missing');
  }
  if (read !== gen) {
    keptKeys.stale(read);
    throw new KeptKeysStale(read, gen);
  }
}

/**
 * MySQL/MariaDB: new customers' rows as one INSERT; their `seq`s (the AUTO_INCREMENT values) in
 * the rows' order. MariaDB returns them (`RETURNING`); MySQL has no `RETURNING` (and its default
 * `innodb_autoinc_lock_mode` 2 does not promise consecutive values), so they are read back.
 */
async function insertRows(
  manager: EntityManager,
  mariadb: boolean,
  rows: CustomerWrite[],
): Promise<number[]> {
  if (rows.length === 0) {
    return [];
  }
  const sql = `INSERT INTO customer (id, ${COLUMNS}, created_at, updated_at, version, document)
       VALUES ${rows.map(() => ROW_PLACEHOLDERS).join(', ')}`;
  const params = rows.flatMap(insertParams);
  let found: { id: string; seq: number | string }[];
  if (mariadb) {
    found = await manager.query(`${sql} RETURNING id, seq`, params);
  } else {
    await manager.query(sql, params);
    found = await manager.query(
      `SELECT id, seq FROM customer WHERE id IN (${rows.map(() => '?').join(', ')})`,
      rows.map((row) => row.id),
    );
  }
  const seqs = new Map(found.map((r) => [r.id, Number(r.seq)]));
  return rows.map((row) => {
    const seq = seqs.get(row.id);
    if (seq === undefined) {
      throw new Error(`The new customer ${row.id} has no seq`);
    }
    return seq;
  });
}

/**
 * MySQL/MariaDB: new versions of locked rows as one UPDATE (a `CASE` on the id per column), each
 * at its expected version; fails when a row is not (its lock makes that unreachable).
 */
async function updateRows(manager: EntityManager, updates: Grouped<'update'>[]): Promise<void> {
  if (updates.length === 0) {
    return;
  }
  const assignments: string[] = [];
  const params: unknown[] = [];
  const caseOf = (
    column: string,
    of: Grouped<'update'>[],
    value: (u: Grouped<'update'>) => unknown,
    keep: boolean,
  ) => {
    assignments.push(
      `${column} = CASE id${' WHEN ? THEN ?'.repeat(of.length)}${keep ? ` ELSE ${column}` : ''} END`,
    );
    for (const u of of) {
      params.push(u.row.id, value(u));
    }
  };
  for (const column of COLUMN_NAMES) {
    const of = updates.filter((u) => u.columns.includes(column));
    if (of.length > 0) {
      caseOf(column, of, (u) => u.row.columns[column], of.length < updates.length);
    }
  }
  caseOf('updated_at', updates, (u) => u.row.now, false);
  caseOf('version', updates, (u) => u.row.version, false);
  caseOf('document', updates, (u) => u.row.document, false);
  // The version test after the assignments' CASE is evaluated on the row as it was (WHERE first).
  const ids = updates.map((u) => u.row.id);
  const sql = `UPDATE customer SET ${assignments.join(', ')}
       WHERE id IN (${ids.map(() => '?').join(', ')}) AND version = CASE id${' WHEN ? THEN ?'.repeat(updates.length)} END`;
  params.push(...ids, ...updates.flatMap((u) => [u.row.id, u.expectedVersion]));
  const n = await affectedRows(manager, sql, params);
  if (n !== updates.length) {
    throw new Error(
      `Customer ${updates.length === 1 ? ids[0] : ids.join(', ')}: ${n} of ${updates.length} rows at their expected version during a locked update`,
    );
  }
}

/** MySQL/MariaDB: locked rows deleted as one DELETE; fails when one is gone (unreachable). */
async function deleteRows(manager: EntityManager, ids: string[]): Promise<void> {
  if (ids.length === 0) {
    return;
  }
  const n = await affectedRows(
    manager,
    `DELETE FROM customer WHERE id IN (${ids.map(() => '?').join(', ')})`,
    ids,
  );
  if (n !== ids.length) {
    throw new Error(`Customer ${ids.join(', ')}: ${n} of ${ids.length} locked rows deleted`);
  }
}
