import { createHash } from 'node:crypto';

import { DataSource } from 'typeorm';

/** Every table that holds state a request can change, with a total order for each. */
export const STORE_TABLES: ReadonlyArray<{ table: string; orderBy: string }> = [
  { table: 'customer', orderBy: 'id' },
  { table: 'customer_attr', orderBy: 'customer_id, path_id, pos, seq' },
  { table: 'hub_subscription', orderBy: 'id' },
  { table: 'hub_event', orderBy: 'id' },
  { table: 'hub_delivery', orderBy: 'id' },
];

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
  for (const { table, orderBy } of STORE_TABLES) {
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
  return hash.digest('hex');
}
