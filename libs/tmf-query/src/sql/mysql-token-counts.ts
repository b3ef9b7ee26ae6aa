import { SqlParam, SqlStatement } from './index-entries';
import type { MysqlTokenRow } from './mysql-token-entries';
import { SqlStorage } from './storage';

/**
 * Kept counts of common keys on MySQL/MariaDB (ADR 0008, "Kept counts"): per `(token, v)` held by
 * many resources when the table was built, the number of live resources holding it, spread over
 * {@link MYSQL_COUNT_SHARDS} rows (`shard`) so that concurrent write groups rarely wait for the
 * same row lock; a read sums them. A write adds its net change to the keys that have rows (one
 * UPDATE per write group, on one shard chosen at random): it never inserts, so only the keys given
 * rows by the build (or {@link mysqlTokenCountRowStatements}) are kept, and no unique value (an id,
 * an email) gets a row at a random place. A delete takes its keys out in its own transaction (its
 * token rows stay until the sweep; the count does not wait for it).
 */
export const MYSQL_COUNT_SHARDS = 16;

/** A count change: per key `token:v`, the net number of resources that gained it. */
export type CountDeltas = Map<string, number>;

/** The count table (DDL, MySQL/MariaDB). `n` is signed: a shard may go below 0. */
export function mysqlTokenCountDdl(table: string): string {
  return `CREATE TABLE ${table} (
      token BIGINT NOT NULL,
      v BIGINT UNSIGNED NOT NULL,
      shard TINYINT UNSIGNED NOT NULL,
      n INT NOT NULL,
      PRIMARY KEY (token, v, shard)
    ) ENGINE=InnoDB`;
}

/** The count table of the storage's token index, when it keeps one. */
export function mysqlCountTable(storage: SqlStorage): string | undefined {
  return storage.mysqlTokenIndex?.countTable;
}

/**
 * Adds `step` to every key a resource's rows count for (its rows with `rep` = 0: one per key);
 * only to the keys among `kept`, when given.
 */
export function addCountDeltas(
  deltas: CountDeltas,
  rows: readonly MysqlTokenRow[],
  step: number,
  kept?: ReadonlySet<string>,
) {
  for (const row of rows) {
    if (row.rep === 0) {
      const key = row.key;
      if (kept && !kept.has(key)) {
        continue;
      }
      deltas.set(key, (deltas.get(key) ?? 0) + step);
    }
  }
}

/**
 * The statement that adds `deltas` to the kept counts on `shard` (none when nothing changes or
 * the storage keeps no counts; `kept`: only these keys, when the caller knows which have rows): the keys as an OR of point ranges of the primary key, so that the
 * rows are locked in key order (two groups on one shard cannot deadlock), the delta a `CASE` over
 * the keys grouped by delta (one branch for the common single POST or DELETE).
 */
export function mysqlTokenCountStatement(
  storage: SqlStorage,
  deltas: CountDeltas,
  shard: number,
  kept?: ReadonlySet<string>,
): SqlStatement | undefined {
  const table = mysqlCountTable(storage);
  if (!table) {
    return undefined;
  }
  const byDelta = new Map<number, [string, string][]>();
  let keys = 0;
  for (const [key, delta] of deltas) {
    if (delta !== 0 && (!kept || kept.has(key))) {
      const at = key.indexOf(':');
      const pair: [string, string] = [key.slice(0, at), key.slice(at + 1)];
      const list = byDelta.get(delta);
      if (list) {
        list.push(pair);
      } else {
        byDelta.set(delta, [pair]);
      }
      keys++;
    }
  }
  if (keys === 0) {
    return undefined;
  }
  const params: SqlParam[] = [];
  const pairs = (list: [string, string][]) => {
    for (const [token, v] of list) {
      params.push(Number(token), v);
    }
    return list.map(() => '(token = ? AND v = ?)').join(' OR ');
  };
  let set: string;
  if (byDelta.size === 1) {
    const [delta] = byDelta.keys();
    params.push(delta);
    set = 'n + ?';
  } else {
    const branches: string[] = [];
    for (const [delta, list] of byDelta) {
      branches.push(`WHEN ${pairs(list)} THEN ?`);
      params.push(delta);
    }
    set = `n + CASE ${branches.join(' ')} ELSE 0 END`;
  }
  params.push(shard);
  const where = pairs([...byDelta.values()].flat());
  return {
    sql: `UPDATE ${table} SET n = ${set} WHERE shard = ? AND (${where})`,
    params,
  };
}

/**
 * Gives `(token, v)` kept counts: its live resources counted from its rows (`rep` = 0, deleted
 * resources not yet swept left out) on shard 0, and 0 on the other shards; from then on every
 * write keeps them. No change when it has them. For keys many resources hold: the migration gives
 * rows to each key held by at least `COUNTED_MIN` resources. Run it while no write changes the
 * key (the migration runs before the server serves). `epochs`: how many epochs hold rows.
 */
export function mysqlTokenCountRowStatements(
  storage: SqlStorage,
  token: number,
  v: string,
  epochs: number,
): SqlStatement[] {
  const mapping = storage.mysqlTokenIndex;
  if (!mapping?.countTable) {
    throw new Error(`The MySQL token index of '${storage.table}' keeps no counts`);
  }
  const { table, deadTable, countTable } = mapping;
  const others = Array.from({ length: MYSQL_COUNT_SHARDS - 1 }, (_, i) => i + 1);
  return [
    {
      sql:
        `INSERT IGNORE INTO ${countTable} (token, v, shard, n) SELECT ?, ?, 0, COUNT(*) FROM ${table} t ` +
        `WHERE t.epoch IN (${[...Array(Math.max(epochs, 1)).keys()].join(', ')}) ` +
        `AND t.token = ? AND t.v = ? AND t.rep = 0 ` +
        `AND NOT EXISTS (SELECT 1 FROM ${deadTable} d WHERE d.seq = t.seq)`,
      params: [token, v, token, v],
    },
    {
      sql: `INSERT IGNORE INTO ${countTable} (token, v, shard, n) VALUES ${others.map(() => '(?, ?, ?, 0)').join(', ')}`,
      params: others.flatMap((shard) => [token, v, shard]),
    },
  ];
}

/**
 * The generation of the kept keys (ADR 0008, "Keys promoted while serving"): one row (`id` 0) of
 * `countGenTable`, raised by every promotion under its exclusive lock. A write that changes keys
 * reads it under a shared lock before its count UPDATE, in the same round trip, and keeps the lock
 * to its commit: a promotion either committed before the read (the write sees the new generation
 * and runs again with the new key) or waits for the write's commit (and counts its rows).
 */
export function mysqlCountGenDdl(table: string): string[] {
  return [
    `CREATE TABLE ${table} (id TINYINT UNSIGNED NOT NULL PRIMARY KEY, gen BIGINT NOT NULL) ENGINE=InnoDB`,
    `INSERT INTO ${table} (id, gen) VALUES (0, 0)`,
  ];
}

/** The generation read under a shared lock (a write's closing statements), when one is kept. */
export function mysqlCountGenLockStatement(storage: SqlStorage): SqlStatement | undefined {
  const table = storage.mysqlTokenIndex?.countGenTable;
  return table
    ? { sql: `SELECT gen AS kept_gen FROM ${table} WHERE id = 0 LOCK IN SHARE MODE`, params: [] }
    : undefined;
}

/**
 * A promotion of `(token, v)` while serving, in order, each in the promotion's own READ COMMITTED
 * transaction: `raise` (the generation's exclusive lock: waits for the writes holding its shared
 * lock to commit, and makes later ones wait), `has` (whether the key has rows already: another
 * process promoted it; then roll back), `count` (its live customers, a consistent read: no lock
 * on the token rows), then `insert(n)` its rows.
 */
export function mysqlTokenPromotion(
  storage: SqlStorage,
  token: number,
  v: string,
  epochs: number,
): {
  raise: SqlStatement;
  has: SqlStatement;
  count: SqlStatement;
  insert: (n: number) => SqlStatement;
} {
  const mapping = storage.mysqlTokenIndex;
  if (!mapping?.countTable || !mapping.countGenTable) {
    throw new Error(`The MySQL token index of '${storage.table}' keeps no count generation`);
  }
  const { table, deadTable, countTable, countGenTable } = mapping;
  const shards = Array.from({ length: MYSQL_COUNT_SHARDS }, (_, i) => i);
  return {
    raise: { sql: `UPDATE ${countGenTable} SET gen = gen + 1 WHERE id = 0`, params: [] },
    has: {
      sql: `SELECT COUNT(*) AS n FROM ${countTable} WHERE token = ? AND v = ?`,
      params: [token, v],
    },
    count: {
      sql:
        `SELECT COUNT(*) AS n FROM ${table} t ` +
        `WHERE t.epoch IN (${[...Array(Math.max(epochs, 1)).keys()].join(', ')}) ` +
        `AND t.token = ? AND t.v = ? AND t.rep = 0 ` +
        `AND NOT EXISTS (SELECT 1 FROM ${deadTable} d WHERE d.seq = t.seq)`,
      params: [token, v],
    },
    insert: (n) => ({
      sql: `INSERT INTO ${countTable} (token, v, shard, n) VALUES ${shards.map(() => '(?, ?, ?, ?)').join(', ')}`,
      params: shards.flatMap((shard) => [token, v, shard, shard === 0 ? n : 0]),
    }),
  };
}
