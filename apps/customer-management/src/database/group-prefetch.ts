import type { EntityManager } from 'typeorm';

import type { GroupRead, Prefetch } from './write-group';

/**
 * What a write group reads for its units before they run (`Prefetch`: the rows they will change,
 * say), one statement per kind of read for the whole group, each value served once
 * (`TransactionRunner.prefetched`): a second unit of the same key reads its own, after the first
 * one's change. Used by the MySQL/MariaDB write groups and the SQLite writer thread's.
 */
export class GroupPrefetches {
  private readonly byManager = new WeakMap<
    EntityManager,
    Map<GroupRead<unknown, unknown>, Map<unknown, unknown>>
  >();

  /** The group reads of `units`, each once with every unit's key, in the group's transaction. */
  async read(manager: EntityManager, units: readonly { prefetch?: Prefetch }[]): Promise<void> {
    const keys = new Map<GroupRead<unknown, unknown>, Set<unknown>>();
    for (const { prefetch } of units) {
      if (prefetch) {
        const set = keys.get(prefetch.read);
        if (set) {
          set.add(prefetch.key);
        } else {
          keys.set(prefetch.read, new Set([prefetch.key]));
        }
      }
    }
    const read = new Map<GroupRead<unknown, unknown>, Map<unknown, unknown>>();
    for (const [groupRead, set] of keys) {
      const found = await groupRead.run(manager, [...set]);
      // A key read and not found is served as nothing.
      const values = new Map<unknown, unknown>([...set].map((key) => [key, found.get(key)]));
      read.set(groupRead, values);
    }
    this.byManager.set(manager, read);
  }

  /** See `TransactionRunner.prefetched`. */
  take<K, V>(
    manager: EntityManager,
    read: GroupRead<K, V>,
    key: K,
  ): { value: V | undefined } | undefined {
    const values = this.byManager.get(manager)?.get(read);
    if (!values?.has(key)) {
      return undefined;
    }
    const value = values.get(key) as V | undefined;
    values.delete(key);
    return { value };
  }

  /** Forgets what was read for the group on `manager`: its units read their own. */
  drop(manager: EntityManager): void {
    this.byManager.delete(manager);
  }
}
