import { createHash } from 'node:crypto';

import { DataSource } from 'typeorm';

/**
 * Every table that holds state a request can change, with a total order for each. The search index
 * differs by database: the token table and its list of swept keys (MySQL/MariaDB), or the SQLite
 * token index's rows' sizes here and its content below (`FTS5_INDEX`); a table the database does
 * not have is skipped.
 */
export const STORE_TABLES: ReadonlyArray<{ table: string; orderBy: string }> = [
  { table: 'customer', orderBy: 'id' },
  { table: 'customer_attr', orderBy: 'customer_id, path_id, pos, seq' },
  { table: 'customer_attr_plain', orderBy: 'customer_id, path_id, pos, seq' },
  { table: 'customer_search_docsize', orderBy: 'id' },
  { table: 'customer_token', orderBy: 'epoch, token, v, seq, slot' },
  { table: 'customer_token_dead', orderBy: 'seq' },
  { table: 'hub_subscription', orderBy: 'id' },
  { table: 'hub_gate', orderBy: 'name' },
  { table: 'hub_outbox', orderBy: 'id' },
  { table: 'hub_event', orderBy: 'id' },
  { table: 'hub_delivery', orderBy: 'id' },
];

/**
 * The SQLite token index by what it holds: each token with the rows that hold it (FTS5's vocabulary
 * table, 'instance'), not its shadow tables. Those are its segments, which the token index merger
 * rewrites on its own (`SqliteMerger`) without a request changing anything.
 */
const FTS5_INDEX = 'customer_search';
const FTS5_INSTANCES = 'temp.customer_search_instances';

function canonical(value: unknown): unknown {
  if (Buffer.isBuffer(value)) {
    return `0x${value.toString('hex')}`;
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  return value;
}

/**
 * SHA-256 of every row of every store table (customers, their search index, the hub's
 * subscriptions and outbox), read straight from the database: equal before and after a request
 * means the request changed nothing.
 */
export async function storeChecksum(dataSource: DataSource): Promise<string> {
  const hash = createHash('sha256');
  const present = new Set(
    (
      await dataSource.query<{ name: string }[]>(
        dataSource.options.type === 'mysql'
          ? 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()'
          : "SELECT name FROM sqlite_master WHERE type = 'table'",
      )
    ).map((t) => t.name),
  );
  for (const { table, orderBy } of STORE_TABLES.filter((t) => present.has(t.table))) {
    const rows = await dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM ${table} ORDER BY ${orderBy}`,
    );
    hash.update(`${table}:${rows.length}\n`);
    for (const row of rows) {
      const keys = Object.keys(row).sort();
      hash.update(JSON.stringify(keys.map((k) => [k, canonical(row[k])])));
      hash.update('\n');
    }
  }
  if (present.has(FTS5_INDEX)) {
    await dataSource.query(
      `CREATE VIRTUAL TABLE IF NOT EXISTS ${FTS5_INSTANCES} USING fts5vocab(main, ${FTS5_INDEX}, 'instance')`,
    );
    const rows = await dataSource.query<{ term: string; doc: number }[]>(
      `SELECT term, doc FROM ${FTS5_INSTANCES} ORDER BY term, doc`,
    );
    hash.update(`${FTS5_INDEX}:${rows.length}\n`);
    for (const { term, doc } of rows) {
      hash.update(`${term} ${doc}\n`);
    }
  }
  return hash.digest('hex');
}
