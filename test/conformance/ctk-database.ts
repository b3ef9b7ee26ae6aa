import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createConnection } from 'mysql2/promise';

/**
 * Runs `work` on a fresh database of the kind asked for (`sqlite`: a temporary file; `mysql`: a new
 * database at TEST_MYSQL_URL, default mysql://root@127.0.0.1:3306/), dropped afterwards.
 */
export async function withDatabase<T>(db: string, work: (url: string) => Promise<T>): Promise<T> {
  if (db === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tmf629-ctk-'));
    try {
      return await work(`sqlite:${join(dir, 'ctk.sqlite')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const server = new URL(process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/');
  const name = `tmf_ctk_${process.pid}`;
  const admin = await createConnection({
    host: server.hostname,
    port: Number(server.port || 3306),
    user: decodeURIComponent(server.username || 'root'),
    password: decodeURIComponent(server.password),
  });
  await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  try {
    server.pathname = `/${name}`;
    return await work(server.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  }
}
