import type { EntityManager } from 'typeorm';

import type { SqlStatement } from '@app/tmf-query';

/**
 * Runs statements one after the other in the caller's transaction, each awaited before the next:
 * where a failed statement must have changed nothing (inside a unit) or where the driver takes one
 * statement per call (SQLite).
 */
export async function runInOrder(
  manager: EntityManager,
  statements: (SqlStatement & { check?: (answer: unknown) => void })[],
): Promise<void> {
  for (const statement of statements) {
    const answer: unknown = await manager.query(statement.sql, statement.params);
    statement.check?.(answer);
  }
}
