// MySQL / MariaDB tier (npm run test:mysql): the lease row that replaces GET_LOCK, and migrations
// applied once by processes that start together.
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';

import { parseDatabaseUrl } from '@server/config/database-url';
import type { AppConfig } from '@server/config/app-config';

import { buildDataSourceOptions } from './data-source-options';
import { DatabaseLease } from './database-lease';
import { MigrationService } from './migration.service';
import { MYSQL_MIGRATIONS } from './migrations/mysql';
import { MYSQL_SPEC_URL as URL } from './testing/mysql-guarded-runner';

const DATABASE = `tmf_lease_${process.pid}`;

describe('DatabaseLease and migrations on MySQL/MariaDB', () => {
  const sources: DataSource[] = [];
  const open = async () => {
    const source = new DataSource(
      buildDataSourceOptions(parseDatabaseUrl(`${URL}/${DATABASE}`), 3),
    );
    await source.initialize();
    sources.push(source);
    return source;
  };
  const fast = { ttlMs: 60_000, waitMs: 20_000, pollMs: 50 };

  beforeAll(async () => {
    const admin = await createConnection(URL);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
  });
  afterAll(async () => {
    await sources[0].query(`DROP DATABASE ${DATABASE}`);
    await Promise.all(sources.map((s) => s.destroy()));
  });

  it('one holder at a time; the next one takes it when it is released', async () => {
    const [a, b] = [await open(), await open()];
    const first = new DatabaseLease(a, 'test-turns', fast);
    const second = new DatabaseLease(b, 'test-turns', fast);
    await first.acquire();
    const waiting = second.acquire();
    await first.release();
    await waiting;
    const rows = await a.query<{ holder: string }[]>(
      "SELECT holder FROM tmf_lease WHERE name = 'test-turns'",
    );
    expect(rows[0].holder).toBe(second.holder);
    await second.release();
  });

  it("a crashed holder's lease is taken once it has expired", async () => {
    const a = await open();
    // A holder that never renews or releases: its row expires after the TTL.
    await a.query(
      "INSERT INTO tmf_lease (name, holder, expires_at) VALUES ('test-expiry', 'crashed', NOW(3) + INTERVAL 200000 MICROSECOND)",
    );
    const next = new DatabaseLease(a, 'test-expiry', fast);
    await next.acquire();
    const rows = await a.query<{ holder: string }[]>(
      "SELECT holder FROM tmf_lease WHERE name = 'test-expiry'",
    );
    expect(rows[0].holder).toBe(next.holder);
    await next.release();
  });

  it('gives up after waitMs while a live holder keeps it', async () => {
    const a = await open();
    const holder = new DatabaseLease(a, 'test-timeout', fast);
    await holder.acquire();
    await expect(
      new DatabaseLease(a, 'test-timeout', { ttlMs: 60_000, waitMs: 200, pollMs: 50 }).acquire(),
    ).rejects.toThrow(/Could not take the lease 'test-timeout'.*held by/);
    await holder.release();
  });

  it('four processes starting together apply each migration once', async () => {
    const config = { migrationsRun: true } as AppConfig;
    const starts = await Promise.all([1, 2, 3, 4].map(() => open()));
    await Promise.all(starts.map((source) => new MigrationService(source, config).onModuleInit()));
    const applied = await starts[0].query<{ name: string; n: string }[]>(
      'SELECT name, COUNT(*) AS n FROM migrations GROUP BY name',
    );
    expect(applied).toHaveLength(MYSQL_MIGRATIONS.length);
    expect(applied.every((row) => Number(row.n) === 1)).toBe(true);
    const lease = await starts[0].query<{ holder: string | null }[]>(
      "SELECT holder FROM tmf_lease WHERE name = 'migrations'",
    );
    expect(lease).toEqual([{ holder: null }]);
  });
});
