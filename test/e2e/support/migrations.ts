import { DataSource } from 'typeorm';

import { fullCustomer } from '@test/fixtures/customers';

import { CUSTOMER_PATH, createCustomer } from './customers';
import { TestApp } from './test-app';

/**
 * The server settings of a test that undoes and redoes migrations while the server runs: no token
 * index merger (SQLite). The merger writes on a connection of its own in turns with the server's
 * writer (`SqliteWriteTurn`); a test's migrations run outside those turns, which a server never
 * does (its migrations run at start-up, before the merger starts).
 */
export const MIGRATING_SERVER_ENV: Readonly<Record<string, string>> = { SQLITE_MERGE_PAGES: '0' };

/**
 * Undoes the latest migrations down to and including the one whose class name starts with `name`
 * (later ones first, as TypeORM must); returns how many were undone, for the redo to check. Tests of
 * one migration so stay right when later migrations are appended.
 */
export async function undoMigrationsThrough(dataSource: DataSource, name: string): Promise<number> {
  for (let undone = 1; ; undone++) {
    const [last] = await dataSource.query<{ name: string }[]>(
      'SELECT name FROM migrations ORDER BY id DESC LIMIT 1',
    );
    if (!last) {
      throw new Error(`No executed migration named ${name}`);
    }
    await dataSource.undoLastMigration({ transaction: 'each' });
    if (last.name.startsWith(name)) {
      return undone;
    }
  }
}

/**
 * The skeleton of a migration's test on a populated database: undoes the migrations through `name`
 * (the later ones first), runs `whileUndone`'s checks, then redoes every migration, expecting as many
 * as were undone, these and `undoneBefore` (undone earlier by the test).
 */
export async function undoAndRedo(
  dataSource: DataSource,
  name: string,
  whileUndone: () => Promise<void>,
  undoneBefore = 0,
): Promise<void> {
  const undone = await undoMigrationsThrough(dataSource, name);
  await whileUndone();
  expect(await dataSource.runMigrations({ transaction: 'each' })).toHaveLength(
    undone + undoneBefore,
  );
}

type Document = Record<string, unknown>;

/**
 * The customers a search-index migration is tested on, as stored: each a full customer named
 * `<name> <i>` whose first contact medium is the email `c<i % 4>@<domain>` (work), preferred for
 * every third, so that the searches below find some customers and not others.
 */
export class MigrationCustomers {
  readonly documents = new Map<string, Document>();

  constructor(
    private readonly app: TestApp,
    readonly name: string,
    private readonly domain: string,
  ) {}

  /** Creates `count` customers; `adjust` may change a body before it is posted. */
  async create(count: number, adjust: (body: Document, i: number) => void = () => undefined) {
    for (let i = 0; i < count; i++) {
      const body = fullCustomer();
      const [email] = body.contactMedium as Document[];
      body.name = `${this.name} ${i}`;
      email.preferred = i % 3 === 0;
      email.characteristic = { emailAddress: `c${i % 4}@${this.domain}`, contactType: 'work' };
      adjust(body, i);
      const created = (await createCustomer(this.app, body)) as Document;
      this.documents.set(created.id as string, created);
    }
  }

  /**
   * The API's answers equal the documents' for a path that was value-indexed, a plain one, both on
   * one contact medium, a count and the name prefix; returns the ids found by both (at least one).
   */
  async expectSearches(): Promise<string[]> {
    const address = (i: number) => `c${i}@${this.domain}`;
    expect(await this.ids(`contactMedium.characteristic.emailAddress=${address(1)}`)).toEqual(
      this.where((doc) => email(doc).characteristic.emailAddress === address(1)),
    );
    const counted = await this.app.request(
      'GET',
      `${CUSTOMER_PATH}?contactMedium.characteristic.emailAddress=${address(0)}&limit=1`,
    );
    expect(Number(counted.headers.get('x-total-count'))).toBe(
      this.where((doc) => email(doc).characteristic.emailAddress === address(0)).length,
    );
    expect(await this.ids(`name*=^${this.name}&contactMedium.preferred=true`)).toEqual(
      this.where((doc) => email(doc).preferred === true),
    );
    const both = await this.ids(
      `contactMedium.characteristic.emailAddress=${address(0)}&contactMedium.preferred=true`,
    );
    expect(both).toEqual(
      this.where(
        (doc) =>
          email(doc).characteristic.emailAddress === address(0) && email(doc).preferred === true,
      ),
    );
    expect(both.length).toBeGreaterThan(0);
    expect(await this.ids(`name*=^${this.name}`)).toEqual([...this.documents.keys()].sort());
    return both;
  }

  /** The rows of a customer in the two search-index tables before the token index. */
  async searchIndexRows(id: string): Promise<number> {
    const [{ n }] = await this.app.dataSource.query<{ n: number }[]>(
      `SELECT (SELECT COUNT(*) FROM customer_attr WHERE customer_id = ?)
            + (SELECT COUNT(*) FROM customer_attr_plain WHERE customer_id = ?) AS n`,
      [id, id],
    );
    return Number(n);
  }

  private async ids(query: string): Promise<string[]> {
    const res = await this.app.request('GET', `${CUSTOMER_PATH}?${query}&fields=id&limit=100`);
    expect(res.status).toBe(200);
    return (res.json as { id: string }[]).map((c) => c.id).sort();
  }

  private where(test: (doc: Document) => boolean): string[] {
    return [...this.documents]
      .filter(([, doc]) => test(doc))
      .map(([id]) => id)
      .sort();
  }
}

/** A document's first contact medium (the email). */
function email(doc: Document): { characteristic: { emailAddress?: string }; preferred?: boolean } {
  return (doc.contactMedium as ReturnType<typeof email>[])[0];
}

/** How many rows of the SQLite token index (`customer_search`) an FTS5 query matches. */
export async function tokenRowsMatching(dataSource: DataSource, match: string): Promise<number> {
  const [{ n }] = await dataSource.query<{ n: number }[]>(
    'SELECT COUNT(*) AS n FROM customer_search WHERE customer_search MATCH ?',
    [match],
  );
  return n;
}
