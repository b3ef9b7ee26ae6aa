import type { EntityManager } from 'typeorm';

/**
 * Runs a write statement in the caller's transaction and returns how many rows it changed, the same
 * on both drivers (`manager.query` alone returns the driver's raw result: an OkPacket on MySQL, an
 * empty array on SQLite).
 */
export async function affectedRows(
  manager: EntityManager,
  sql: string,
  params: readonly unknown[],
): Promise<number> {
  if (!manager.queryRunner) {
    throw new Error('A counted write must run inside a transaction (TransactionRunner.write)');
  }
  const result = await manager.queryRunner.query(sql, [...params], true);
  return result.affected ?? 0;
}
