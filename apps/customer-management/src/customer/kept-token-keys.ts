import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { epochOf, mysqlTokenKeyPaths } from '@app/tmf-query';

import { customerSqlStorage } from './customer.storage';

/** What a write group needs to know of the kept token counts. */
export interface KeptKeys {
  /** The keys (`token:v`) that have count rows. */
  readonly keys: ReadonlySet<string>;
  /** The leaves (path ids) those keys belong to; undefined when one could not be placed. */
  readonly paths?: ReadonlySet<number>;
  /**
   * The generation read before the keys (`customer_token_count_gen`), when kept: the keys hold at
   * least every key promoted up to it. A write group that sends only these keys checks it under
   * the generation's shared lock (ADR 0008, "Keys promoted while serving").
   */
  readonly gen?: number;
}

/**
 * A write group read a kept-count generation newer than its kept keys: a key was promoted since
 * they were read, so its count may miss the group's change. Rolled back and run again (a conflict,
 * `database-errors.ts`) once the keys are reloaded.
 */
export class KeptKeysStale extends Error {
  readonly code = 'KEPT_KEYS_STALE';

  constructor(
    readonly read: number,
    readonly kept: number,
  ) {
    super(`Kept token keys of generation ${kept}, the database is at ${read}`);
  }
}

/** What a write group uses of {@link KeptTokenKeys}. */
export interface KeptKeysSource {
  current(): Promise<KeptKeys | undefined>;
  stale(gen: number): void;
}

/**
 * MySQL/MariaDB: the keys that have kept token counts (`customer_token_count`, ADR 0008), read once
 * the migrations have run. A write group's count UPDATE then names only these keys (a handful of a
 * customer's ~30), and none when a write changes no kept key; a DELETE hashes only the leaves that
 * hold kept keys (each placed by the document of one customer holding it). Keys get rows only from
 * the migration that builds the table, which runs before the server serves; after running it on a
 * live server (tests), `reload`. Until loaded (or when it cannot be), every key is sent: the UPDATE
 * itself touches only the keys that have rows, so the set only saves work.
 *
 * Keys promoted while serving (`TokenCountPromoter`) raise the generation: a write group that reads
 * a newer one than the keys' fails as a conflict and calls {@link stale}; its next run takes the
 * keys from {@link current}, which waits for the reload (only the new keys are placed).
 */
@Injectable()
export class KeptTokenKeys implements OnApplicationBootstrap, KeptKeysSource {
  private kept?: KeptKeys;
  private reloading?: Promise<void>;

  constructor(private readonly dataSource: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
  }

  /** The kept keys, undefined when unknown. */
  get(): KeptKeys | undefined {
    return this.kept;
  }

  /** The kept keys once a reload under way (after {@link stale}) has run; undefined when unknown. */
  async current(): Promise<KeptKeys | undefined> {
    while (this.reloading) {
      await this.reloading;
    }
    return this.kept;
  }

  /**
   * A write group read generation `gen` under its shared lock, newer than its keys': reloads them,
   * once for every group that saw it.
   */
  stale(gen: number): void {
    if (this.reloading || (this.kept?.gen !== undefined && this.kept.gen >= gen)) {
      return;
    }
    void this.refresh();
  }

  /** Reads the generation and the keys again, placing only the new keys (after a promotion). */
  refresh(): Promise<void> {
    return this.loadAlone(false);
  }

  /** Reads the generation and every key again, each placed anew. */
  reload(): Promise<void> {
    return this.loadAlone(true);
  }

  /** One load at a time: waits for the one under way, then runs its own. */
  private async loadAlone(full: boolean): Promise<void> {
    while (this.reloading) {
      await this.reloading;
    }
    this.reloading = this.load(full).finally(() => (this.reloading = undefined));
    await this.reloading;
  }

  /** Reads the generation, then the keys; `full`: places every key again, else the new ones only. */
  private async load(full: boolean): Promise<void> {
    const mapping = customerSqlStorage.mysqlTokenIndex;
    if (this.dataSource.options.type !== 'mysql' || !mapping?.countTable) {
      return;
    }
    try {
      // The generation first: keys promoted after it are read too, which only costs a run again.
      let gen: number | undefined;
      if (mapping.countGenTable) {
        const [row] = await this.dataSource
          .query<{ gen: string | number }[]>(
            `SELECT gen FROM ${mapping.countGenTable} WHERE id = 0`,
          )
          .catch(() => []);
        gen = row === undefined ? undefined : Number(row.gen);
      }
      const rows = await this.dataSource.query<{ token: string | number; v: string | number }[]>(
        `SELECT token, v FROM ${mapping.countTable} WHERE shard = 0`,
      );
      const keys = new Set(rows.map((r) => `${r.token}:${r.v}`));
      const before = full ? undefined : this.kept;
      let paths: Set<number> | undefined;
      if (before?.paths) {
        const added = new Set([...keys].filter((key) => !before.keys.has(key)));
        const placed = await this.placeKeys(added);
        paths = placed && new Set([...before.paths, ...placed]);
      } else {
        paths = await this.placeKeys(keys);
      }
      this.kept = { keys, paths, gen };
    } catch {
      this.kept = undefined;
    }
  }

  /** The leaves of `keys`, each read from a document holding it (one per document's keys). */
  private async placeKeys(keys: ReadonlySet<string>): Promise<Set<number> | undefined> {
    const mapping = customerSqlStorage.mysqlTokenIndex!;
    const epochs = await tokenEpochs((sql) => this.dataSource.query(sql));
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

/**
 * How many epochs of the MySQL/MariaDB token table hold rows (`epochOf(MAX(seq)) + 1`), read with
 * `query` (a connection, or a transaction's manager).
 */
export async function tokenEpochs(
  query: (sql: string) => Promise<{ seq: number | string | null }[]>,
): Promise<number> {
  const mapping = customerSqlStorage.mysqlTokenIndex!;
  const [{ seq }] = await query(
    `SELECT MAX(${mapping.seqColumn}) AS seq FROM ${customerSqlStorage.table}`,
  );
  return epochOf(Number(seq ?? 0)) + 1;
}
