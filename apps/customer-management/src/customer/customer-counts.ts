import { randomInt } from 'node:crypto';

import type { ParsedQuery, SqlStatement } from '@app/tmf-query';
import { Dialect } from '@server/database/dialect';

import { CustomerColumns } from './customer-document';

/**
 * Maintained counts (table `customer_count`, see the migration `CustomerCounts`): the number of
 * customers, and per value of the low-cardinality typed columns `status` and `@type`, written in
 * the same transaction as the customer, so that the list's `X-Total-Count` without a filter or with
 * `status=x` (`@type=x`) alone reads a few counter rows instead of counting customers. On MySQL /
 * MariaDB each count is spread over {@link MYSQL_SHARDS} rows and a write adds to one of them at
 * random, so concurrent writers rarely wait for the same row lock; a read sums the shards. SQLite
 * has one writer: one row per count.
 */
export const MYSQL_SHARDS = 16;

/** The counted attributes and their `dim` in `customer_count`; `total` counts every customer. */
const DIMENSIONS = { status: 'status', '@type': 'at_type' } as const;
type Dimension = 'total' | (typeof DIMENSIONS)[keyof typeof DIMENSIONS] | typeof SEQ_DISORDER;

/**
 * SQLite: customers inserted after one with a greater id (`seq` is the insertion order). While it
 * is 0, seq order is id order, and the token index (whose rows are in seq order) serves lists in id
 * order without sorting (`keysetStatements`' `seqOrdered`). Server-made ids (UUIDv7) only grow.
 */
export const SEQ_DISORDER = 'seq_disorder';

/** What a count reads: a dimension and the values summed (`''` for the total). */
export interface CounterKey {
  readonly dim: Dimension;
  readonly values: readonly string[];
}

/**
 * The counter that answers a query's total, when the filter is nothing, or equality on one counted
 * attribute (`status=a`, `status=a,b`, `status=a&status=b`) and nothing else.
 */
export function counterKeyOf(query: ParsedQuery): CounterKey | undefined {
  if (query.clauses.length === 0) {
    return { dim: 'total', values: [''] };
  }
  if (query.clauses.length !== 1) {
    return undefined;
  }
  const { conditions } = query.clauses[0];
  const path = conditions[0].attribute.path;
  const dim = (DIMENSIONS as Record<string, Dimension | undefined>)[path];
  const values = new Set<string>();
  for (const c of conditions) {
    if (c.attribute.path !== path || c.op !== 'eq' || c.value.kind !== 'string') {
      return undefined;
    }
    values.add(c.value.text);
  }
  return dim ? { dim, values: [...values] } : undefined;
}

/** A string column's value (the counted columns hold strings or null). */
function textOf(value: string | number | null): string | null {
  return typeof value === 'string' ? value : null;
}

/** SQLite: the statement that reads whether seq order is id order (`ordered`: 1 or 0). */
export function seqOrderReadStatement(): SqlStatement {
  return {
    sql: 'SELECT COALESCE(SUM(n), 0) = 0 AS ordered FROM customer_count WHERE dim = ?',
    params: [SEQ_DISORDER],
  };
}

/** The statement that reads a count (`total`). */
export function counterReadStatement(key: CounterKey): SqlStatement {
  return {
    sql: `SELECT COALESCE(SUM(n), 0) AS total FROM customer_count WHERE dim = ? AND val IN (${key.values.map(() => '?').join(', ')})`,
    params: [key.dim, ...key.values],
  };
}

/**
 * SQLite writer thread: the statement that counts a new customer in `seq_disorder` when the
 * customer before it in seq order has a greater id, run after its INSERT (the unit, which knows its
 * `seq` ahead, does not wait for the answer that INSERT … RETURNING gave).
 */
export function seqDisorderStatement(seq: number, id: string): SqlStatement {
  return {
    sql: `INSERT INTO customer_count (dim, val, shard, n)
      SELECT ?, '', 0, 1
      WHERE (SELECT p.id FROM customer p WHERE p.seq < ? ORDER BY p.seq DESC LIMIT 1) > ?
      ON CONFLICT (dim, val, shard) DO UPDATE SET n = n + excluded.n`,
    params: [SEQ_DISORDER, seq, id],
  };
}

/** A write as the counts see it: the stored columns before and after (undefined: none). */
export interface CounterChange {
  readonly before: CustomerColumns | undefined;
  readonly after: CustomerColumns | undefined;
  /** SQLite insert: the customer inserted before it has a greater id (see SEQ_DISORDER). */
  readonly outOfOrder?: boolean;
}

/**
 * The statement that applies a write to the counts (none when nothing counted changes): `before`
 * and `after` are the stored columns (undefined for an insert and a delete respectively).
 */
export function counterWriteStatement(
  dialect: Dialect,
  before: CustomerColumns | undefined,
  after: CustomerColumns | undefined,
  outOfOrder = false,
): SqlStatement | undefined {
  return counterChangesStatement(dialect, [{ before, after, outOfOrder }]);
}

/** The statement that applies several writes to the counts at once, their deltas summed. */
export function counterChangesStatement(
  dialect: Dialect,
  changes: readonly CounterChange[],
): SqlStatement | undefined {
  const deltas = new Map<string, { dim: Dimension; val: string; n: number }>();
  const add = (dim: Dimension, val: string | null, n: number) => {
    if (val === null) {
      return;
    }
    const key = `${dim}\u0000${val}`;
    const delta = deltas.get(key) ?? { dim, val, n: 0 };
    delta.n += n;
    deltas.set(key, delta);
  };
  for (const { before, after, outOfOrder } of changes) {
    if (outOfOrder) {
      add(SEQ_DISORDER, '', 1);
    }
    for (const [columns, n] of [
      [before, -1],
      [after, 1],
    ] as const) {
      if (columns) {
        add('total', '', n);
        add('status', textOf(columns.status), n);
        add('at_type', textOf(columns.at_type), n);
      }
    }
  }
  // In key order: two writers on the same shard lock its rows in the same order (no deadlock).
  const rows = [...deltas.values()]
    .filter((d) => d.n !== 0)
    .sort((a, b) => (a.dim !== b.dim ? (a.dim < b.dim ? -1 : 1) : a.val < b.val ? -1 : 1));
  if (rows.length === 0) {
    return undefined;
  }
  const shard = dialect === 'mysql' ? randomInt(MYSQL_SHARDS) : 0;
  const values = rows.map(() => '(?, ?, ?, ?)').join(', ');
  const upsert =
    dialect === 'mysql'
      ? 'ON DUPLICATE KEY UPDATE n = n + VALUES(n)'
      : 'ON CONFLICT (dim, val, shard) DO UPDATE SET n = n + excluded.n';
  return {
    sql: `INSERT INTO customer_count (dim, val, shard, n) VALUES ${values} ${upsert}`,
    params: rows.flatMap((r) => [r.dim, r.val, shard, r.n]),
  };
}
