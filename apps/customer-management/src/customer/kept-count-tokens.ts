import type { Database } from 'better-sqlite3';
import type { EntityManager } from 'typeorm';

/** Name of the SQL function the writer's temporary triggers call (one per connection). */
const CHANGED_FUNCTION = 'tmf_kept_count_rows_changed';

/**
 * SQLite writer: the tokens the count table (`TokenIndexMapping.countTable`) has rows for, kept in
 * memory so that a write group's count UPDATE names only those (a customer holds ~33 counted
 * tokens, of which a few common ones have rows; naming them all cost ~38 µs per insert).
 *
 * Exact: read inside the group's write transaction, after its first write, so no other connection
 * can commit in between; the set is read again whenever the table may have gained or lost rows:
 * - another connection committed (`PRAGMA data_version` moved: it does not move for this
 *   connection's own commits);
 * - the schema changed (`schema_version`: a migration created, dropped or rebuilt the table);
 * - this connection inserted or deleted a row of it (temporary triggers, which live on this
 *   connection only, bump a generation through a function of this process). The writes' own
 *   UPDATEs of `n` change no row's presence and fire nothing.
 */
export class KeptCountTokens {
  private tokens: ReadonlySet<string> | undefined;
  private readVersion = '';
  private generation = 0;
  private readGeneration = -1;
  private readonly hooked = new WeakSet<Database>();

  constructor(private readonly table: string) {}

  /**
   * The table's tokens, as of the transaction `manager` runs (a write transaction). A manager
   * without a better-sqlite3 connection behind it (a seeding script's) reads them every time.
   */
  async current(manager: EntityManager): Promise<ReadonlySet<string>> {
    const db = databaseOf(manager);
    if (!db) {
      return this.read(manager);
    }
    const [{ d, s }] = await manager.query<{ d: number; s: number }[]>(
      'SELECT (SELECT data_version FROM pragma_data_version()) AS d, ' +
        '(SELECT schema_version FROM pragma_schema_version()) AS s',
    );
    const version = `${d}:${s}`;
    if (
      this.tokens !== undefined &&
      version === this.readVersion &&
      this.generation === this.readGeneration
    ) {
      return this.tokens;
    }
    this.hook(db);
    this.tokens = await this.read(manager);
    this.readVersion = version;
    this.readGeneration = this.generation;
    return this.tokens;
  }

  private async read(manager: EntityManager): Promise<Set<string>> {
    const rows = await manager.query<{ token: string }[]>(`SELECT token FROM ${this.table}`);
    return new Set(rows.map((row) => row.token));
  }

  /** The temporary triggers on the writer's connection (again after the table was re-created). */
  private hook(db: Database): void {
    if (!this.hooked.has(db)) {
      db.function(CHANGED_FUNCTION, { deterministic: false, varargs: false }, () => {
        this.generation++;
        return null;
      });
      this.hooked.add(db);
    }
    for (const event of ['INSERT', 'DELETE']) {
      db.exec(
        `CREATE TEMP TRIGGER IF NOT EXISTS ${this.table}_${event.toLowerCase()}_seen ` +
          `AFTER ${event} ON main.${this.table} BEGIN SELECT ${CHANGED_FUNCTION}(); END`,
      );
    }
  }
}

function databaseOf(manager: EntityManager): Database | undefined {
  const driver = (manager as Partial<EntityManager>).connection?.driver as
    { databaseConnection?: Database } | undefined;
  const db = driver?.databaseConnection;
  return typeof db?.function === 'function' ? db : undefined;
}
