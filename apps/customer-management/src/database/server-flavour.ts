import type { DataSource } from 'typeorm';

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
