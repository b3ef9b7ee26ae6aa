import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { EPOCH_BITS, mysqlTokenKeyPaths } from '@app/tmf-query';

import { customerSqlStorage } from './customer.storage';

/** What a write group needs to know of the kept token counts. */
export interface KeptKeys {
  /** The keys (`token:v`) that have count rows. */
  readonly keys: ReadonlySet<string>;
  /** The leaves (path ids) those keys belong to; undefined when one could not be placed. */
  readonly paths?: ReadonlySet<number>;
}

/**
 * MySQL/MariaDB: the keys that have kept token counts (`customer_token_count`, ADR 0008), read once
 * the migrations have run. A write group's count UPDATE then names only these keys (a handful of a
 * customer's ~30), and none when a write changes no kept key; a DELETE hashes only the leaves that
 * hold kept keys (each placed by the document of one customer holding it). Keys get rows only from
 * the migration that builds the table, which runs before the server serves; after running it on a
 * live server (tests), `reload`. Until loaded (or when it cannot be), every key is sent: the UPDATE
 * itself touches only the keys that have rows, so the set only saves work.
 */
@Injectable()
export class KeptTokenKeys implements OnApplicationBootstrap {
  private kept?: KeptKeys;

  constructor(private readonly dataSource: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
  }

  /** The kept keys, undefined when unknown. */
  get(): KeptKeys | undefined {
    return this.kept;
  }

  async reload(): Promise<void> {
    const mapping = customerSqlStorage.mysqlTokenIndex;
    if (this.dataSource.options.type !== 'mysql' || !mapping?.countTable) {
      return;
    }
    try {
      const rows = await this.dataSource.query<{ token: string | number; v: string | number }[]>(
        `SELECT token, v FROM ${mapping.countTable} WHERE shard = 0`,
      );
      const keys = new Set(rows.map((r) => `${r.token}:${r.v}`));
      this.kept = { keys, paths: await this.placeKeys(keys) };
    } catch {
      this.kept = undefined;
    }
  }

  /** The leaves of `keys`, each read from a document holding it (one per document's keys). */
  private async placeKeys(keys: ReadonlySet<string>): Promise<Set<number> | undefined> {
    const mapping = customerSqlStorage.mysqlTokenIndex!;
    const [{ seq }] = await this.dataSource.query<{ seq: number | string | null }[]>(
      `SELECT MAX(${mapping.seqColumn}) AS seq FROM ${customerSqlStorage.table}`,
    );
    const epochs = Math.floor(Number(seq ?? 0) / 2 ** EPOCH_BITS) + 1;
    const epochList = [...Array(epochs).keys()].join(', ');
    const paths = new Set<number>();
    const placed = new Set<string>();
    for (const key of keys) {
      if (placed.has(key)) {
        continue;
      }
      const [token, v] = key.split(':');
      const [holder] = await this.dataSource.query<{ document: string }[]>(
        `SELECT c.document FROM ${mapping.table} t JOIN ${customerSqlStorage.table} c ON c.${mapping.seqColumn} = t.seq ` +
          `WHERE t.epoch IN (${epochList}) AND t.token = ? AND t.v = ? LIMIT 1`,
        [token, v],
      );
      if (!holder) {
        return undefined; // no live holder now: a later one is hashed in full
      }
      for (const [held, pathId] of mysqlTokenKeyPaths(
        JSON.parse(holder.document),
        customerSqlStorage,
      )) {
        if (keys.has(held)) {
          placed.add(held);
          paths.add(pathId);
        }
      }
      if (!placed.has(key)) {
        return undefined;
      }
    }
    return paths;
  }
}
