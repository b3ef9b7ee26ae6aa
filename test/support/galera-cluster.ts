import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createConnection } from 'mysql2/promise';

import { freePort } from './server-process';

const MARIADBD = '/usr/sbin/mariadbd';
/** Debian's galera-4 (`dpkg -L galera-4`). */
const PROVIDER = '/usr/lib/galera/libgalera_smm.so';

interface NodePorts {
  sql: number;
  gcomm: number;
  ist: number;
  sst: number;
}

/** One node of a {@link GaleraCluster}. */
export class GaleraNode {
  private child?: ChildProcess;

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly ports: NodePorts,
  ) {}

  get url(): string {
    return `mysql://root@127.0.0.1:${this.ports.sql}/tmf`;
  }

  /** Starts the node; the first one bootstraps the cluster, the others join it (rsync SST). */
  async start(clusterAddress: string, bootstrap: boolean): Promise<void> {
    this.child = spawn(
      MARIADBD,
      [
        '--no-defaults',
        `--datadir=${join(this.dir, 'data')}`,
        `--port=${this.ports.sql}`,
        '--bind-address=127.0.0.1',
        `--socket=${join(this.dir, 'sock')}`,
        `--pid-file=${join(this.dir, 'pid')}`,
        `--log-error=${join(this.dir, 'error.log')}`,
        // Galera's rsync state transfer refuses to run as root.
        '--user=mysql',
        '--innodb-buffer-pool-size=32M',
        '--binlog-format=ROW',
        '--innodb-autoinc-lock-mode=2',
        '--wsrep-on=ON',
        `--wsrep-provider=${PROVIDER}`,
        '--wsrep-cluster-name=tmf629-test',
        `--wsrep-cluster-address=${bootstrap ? 'gcomm://' : clusterAddress}`,
        `--wsrep-node-name=${this.name}`,
        `--wsrep-node-address=127.0.0.1:${this.ports.gcomm}`,
        `--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:${this.ports.gcomm};ist.recv_addr=127.0.0.1:${this.ports.ist};gcache.size=64M;evs.suspect_timeout=PT3S`,
        '--wsrep-sst-method=rsync',
        `--wsrep-sst-receive-address=127.0.0.1:${this.ports.sst}`,
        ...(bootstrap ? ['--wsrep-new-cluster'] : []),
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(`Galera node ${this.name} exited:\n${this.errorLog()}`);
      }
      try {
        const rows = (await this.query("SHOW STATUS LIKE 'wsrep_ready'")) as { Value: string }[];
        if (rows[0]?.Value === 'ON') {
          return;
        }
      } catch {
        // not accepting connections yet (state transfer in progress)
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`Galera node ${this.name} not ready:\n${this.errorLog()}`);
  }

  /** Freezes the node (SIGSTOP): its peers lose it from their view, its clients get no answers. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGCONT'); // a paused node would never handle the SIGTERM
    child.kill('SIGTERM');
    await exited;
  }

  async query(sql: string, params: unknown[] = []): Promise<unknown> {
    const connection = await createConnection({
      host: '127.0.0.1',
      port: this.ports.sql,
      user: 'root',
      connectTimeout: 2000,
    });
    try {
      const [rows] = await connection.query(sql, params);
      return rows;
    } finally {
      await connection.end();
    }
  }

  errorLog(): string {
    const file = join(this.dir, 'error.log');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-40).join('\n') : '';
  }
}

/**
 * A MariaDB Galera cluster of the test's own on 127.0.0.1: own data directories and ports, nodes run
 * as the `mysql` user (rsync state transfer needs it). The first node bootstraps it; the others join
 * by state transfer. The shared MariaDB is never touched.
 */
export class GaleraCluster {
  private constructor(
    readonly root: string,
    readonly nodes: GaleraNode[],
  ) {}

  static available(): boolean {
    if (!existsSync(MARIADBD) || !existsSync(PROVIDER)) {
      return false;
    }
    try {
      execFileSync('id', ['mysql'], { stdio: 'ignore' });
      return process.getuid?.() === 0;
    } catch {
      return false;
    }
  }

  static async create(size = 3): Promise<GaleraCluster> {
    const root = mkdtempSync(join(tmpdir(), 'tmf629-galera-'));
    chmodSync(root, 0o755);
    const nodes: GaleraNode[] = [];
    for (let i = 1; i <= size; i++) {
      const dir = join(root, `node${i}`);
      mkdirSync(join(dir, 'data'), { recursive: true });
      const ports = {
        sql: await freePort(),
        gcomm: await freePort(),
        ist: await freePort(),
        sst: await freePort(),
      };
      nodes.push(new GaleraNode(`node${i}`, dir, ports));
    }
    execFileSync('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${join(nodes[0].dir, 'data')}`,
      '--user=mysql',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ]);
    execFileSync('chown', ['-R', 'mysql:mysql', root]);
    const cluster = new GaleraCluster(root, nodes);
    const address = `gcomm://${nodes.map((n) => `127.0.0.1:${n.ports.gcomm}`).join(',')}`;
    await nodes[0].start(address, true);
    // Joiners one at a time: each takes a full state transfer from a synced node.
    for (const node of nodes.slice(1)) {
      await node.start(address, false);
    }
    await nodes[0].query('CREATE DATABASE tmf CHARACTER SET utf8mb4');
    return cluster;
  }

  async clusterSize(): Promise<number> {
    const rows = (await this.nodes[0].query("SHOW STATUS LIKE 'wsrep_cluster_size'")) as {
      Value: string;
    }[];
    return Number(rows[0]?.Value);
  }

  async destroy(): Promise<void> {
    // Joiners first, the bootstrap node last: the cluster shuts down without a partition.
    for (const node of [...this.nodes].reverse()) {
      await node.stop();
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}
