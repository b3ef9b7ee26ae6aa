import { PrivateMariaDb } from './private-mariadb';

/**
 * A MariaDB primary and a replica of it (GTID replication), both private to the test: own data
 * directories and ports. The replica logs to its own binary log only what is written on it
 * directly (`log_slave_updates` off), so its `@@gtid_binlog_pos` stays empty unless something wrote
 * to the replica itself.
 */
export class ReplicaPair {
  private constructor(
    readonly primary: PrivateMariaDb,
    readonly replica: PrivateMariaDb,
  ) {}

  static async create(): Promise<ReplicaPair> {
    const primary = await PrivateMariaDb.create({
      args: ['--log-bin=binlog', '--server-id=1', '--binlog-format=ROW'],
    });
    const replica = await PrivateMariaDb.create({
      args: ['--log-bin=binlog', '--server-id=2', '--log-slave-updates=0'],
      createDatabase: false,
    });
    await replica.query(
      `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${primary.port},
       MASTER_USER = 'root', MASTER_PASSWORD = '', MASTER_USE_GTID = slave_pos,
       MASTER_CONNECT_RETRY = 1`,
    );
    await replica.query('START SLAVE');
    const pair = new ReplicaPair(primary, replica);
    await pair.caughtUp();
    return pair;
  }

  /** Waits until the replica has applied everything the primary has committed so far. */
  async caughtUp(timeoutS = 30): Promise<void> {
    const [{ pos }] = (await this.primary.query('SELECT @@gtid_binlog_pos AS pos')) as {
      pos: string;
    }[];
    const [{ r }] = (await this.replica.query('SELECT MASTER_GTID_WAIT(?, ?) AS r', [
      pos,
      timeoutS,
    ])) as { r: number }[];
    if (Number(r) !== 0) {
      throw new Error(`replica did not reach ${pos} within ${timeoutS}s`);
    }
  }

  async destroy(): Promise<void> {
    await this.replica.destroy();
    await this.primary.destroy();
  }
}
