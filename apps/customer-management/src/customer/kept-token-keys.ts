import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { customerSqlStorage } from './customer.storage';

/**
 * MySQL/MariaDB: the keys that have kept token counts (`customer_token_count`, ADR 0008), read once
 * the migrations have run. A write group's count UPDATE then names only these keys (a handful of a
 * customer's ~30), and none when a write changes no kept key. Keys get rows only from the migration
 * that builds the table, which runs before the server serves; after running it on a live server
 * (tests), `reload`. Until loaded (or when it cannot be), every key is sent: the UPDATE itself
 * touches only the keys that have rows, so the set only saves work.
 */
@Injectable()
export class KeptTokenKeys implements OnApplicationBootstrap {
  private keys?: ReadonlySet<string>;

  constructor(private readonly dataSource: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
  }

  /** The kept keys (`token:v`), undefined when unknown. */
  get(): ReadonlySet<string> | undefined {
    return this.keys;
  }

  async reload(): Promise<void> {
    const table = customerSqlStorage.mysqlTokenIndex?.countTable;
    if (this.dataSource.options.type !== 'mysql' || !table) {
      return;
    }
    try {
      const rows = await this.dataSource.query<{ token: string | number; v: string | number }[]>(
        `SELECT token, v FROM ${table} WHERE shard = 0`,
      );
      this.keys = new Set(rows.map((r) => `${r.token}:${r.v}`));
    } catch {
      this.keys = undefined;
    }
  }
}
