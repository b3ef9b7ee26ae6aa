import type { DataSource } from 'typeorm';

import type { SqlStatement } from '@app/tmf-query';

/** Which MySQL-protocol server the app talks to: the statements for positions and waits differ. */
export interface ServerFlavour {
  mariadb: boolean;
  /** A Galera node (wsrep on, with a provider): every node orders every commit. */
  galera: boolean;
}

export async function detectFlavour(dataSource: DataSource): Promise<ServerFlavour> {
  const [version] = await dataSource.query<{ v: string }[]>('SELECT VERSION() AS v');
  const mariadb = /mariadb/i.test(version.v);
  if (!mariadb) {
    return { mariadb, galera: false };
  }
  const [wsrep] = await dataSource.query<{ on: number | string; provider: string | null }[]>(
    'SELECT @@wsrep_on AS `on`, @@wsrep_provider AS provider',
  );
  const on = wsrep.on === 1 || wsrep.on === '1' || wsrep.on === 'ON';
  return { mariadb, galera: on && !!wsrep.provider && wsrep.provider !== 'none' };
}

/** The statement that reads the position of the session's last commit (run right after it). */
export function positionAfterCommitSql(flavour: ServerFlavour): string {
  // MariaDB: this session's own last GTID. MySQL: the executed set, which contains this commit (a
  // superset: a read may wait for a little more than it needs).
  return flavour.mariadb ? 'SELECT @@last_gtid AS p' : 'SELECT @@global.gtid_executed AS p';
}

/** The primary's current position, for measuring a replica's lag. */
export function primaryPositionSql(flavour: ServerFlavour): string {
  return flavour.mariadb ? 'SELECT @@gtid_binlog_pos AS p' : 'SELECT @@global.gtid_executed AS p';
}

/**
 * The SQL of a read as sent to the server. A statement planned from the index statistics
 * (`SqlStatement.plannedFromStatistics`) runs, on MariaDB, with `eq_range_index_dive_limit = 1` for
 * itself only: its 62 equality ranges (one per epoch of the token table) are estimated from the
 * index statistics instead of two index descents each while planning (~0.1-0.2 ms of a 0.5 ms
 * count of a rare key at 1,000,000 customers; docs/performance.md). Not session-wide: the join
 * order of two lookups depends on their ranges' real sizes. MySQL: unchanged.
 */
export function readSql(flavour: ServerFlavour | undefined, statement: SqlStatement): string {
  return flavour?.mariadb && statement.plannedFromStatistics
    ? `SET STATEMENT eq_range_index_dive_limit = 1 FOR ${statement.sql}`
    : statement.sql;
}
