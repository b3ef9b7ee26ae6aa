// MySQL / MariaDB tier (npm run test:mysql): write transactions run READ COMMITTED, with the level
// set once per pooled connection.
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';

import { TransactionRunner } from './transaction-runner';

const URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const DATABASE = `tmf_tx_runner_${process.pid}`;

describe('TransactionRunner on MySQL/MariaDB', () => {
  let dataSource: DataSource;
  let tx: TransactionRunner;

  beforeAll(async () => {
    const admin = await createConnection(URL);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
    dataSource = new DataSource({ type: 'mysql', url: `${URL}/${DATABASE}`, poolSize: 3 });
    await dataSource.initialize();
    tx = new TransactionRunner(dataSource);
  });
  afterAll(async () => {
    await dataSource.query(`DROP DATABASE ${DATABASE}`);
    await dataSource.destroy();
  });

  it('runs every write transaction READ COMMITTED, on every pooled connection', async () => {
    const levels = await Promise.all(
      Array.from({ length: 12 }, () =>
        tx.write(async (manager) => {
          // tx_isolation on MariaDB < 11.1, transaction_isolation on MySQL 8 and later MariaDB.
          const rows = await manager.query<{ Value: string }[]>(
            "SHOW SESSION VARIABLES WHERE Variable_name IN ('tx_isolation', 'transaction_isolation')",
          );
          return rows[0].Value;
        }),
      ),
    );
    expect(new Set(levels)).toEqual(new Set(['READ-COMMITTED']));
  });

  it('rolls back a failed unit and gives its connection back', async () => {
    await dataSource.query('CREATE TABLE t (id INT PRIMARY KEY)');
    await expect(
      tx.write(async (manager) => {
        await manager.query('INSERT INTO t VALUES (1)');
        throw new Error('fails after writing');
      }),
    ).rejects.toThrow('fails after writing');
    await tx.write((manager) => manager.query('INSERT INTO t VALUES (2)'));
    expect(await dataSource.query('SELECT id FROM t')).toEqual([{ id: 2 }]);
  });
});
