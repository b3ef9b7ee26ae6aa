import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import {
  buildListStatements,
  CompiledSql,
  compileMysqlSql,
  compileSql,
  CompileOptions,
  KeysetPosition,
  keysetStatements,
  keyValuesOf,
  KeyValue,
  CountDeltas,
  epochOf,
  firstRowsInIdOrder,
  mysqlTokenChanges,
  mysqlTokenUpdateStatements,
  ParsedQuery,
  seeksColumnRange,
  SqlStatement,
  tokenRowChanges,
  SqlStorage,
} from '@app/tmf-query';
import type { JsonObject } from '@app/tmf-common';
import { isAsciiId } from '@server/database/ascii-id';
import { Dialect } from '@server/database/dialect';
import { runInOrder } from '@server/database/run-in-order';
import {
  GroupRead,
  GroupWrite,
  KeySequence,
  Prefetch,
  QueuedStatement,
  ReadBatch,
  ReadStep,
  TransactionRunner,
} from '@server/database/transaction-runner';

import {
  CounterKey,
  counterReadStatement,
  seqDisorderStatement,
  seqOrderReadStatement,
} from './customer-counts';
import { changedColumns, columnsOf, CustomerColumns } from './customer-document';
import { KeptTokenKeys } from './kept-token-keys';
import { customerSqlStorage } from './customer.storage';
import { TokenBitmaps } from './token-bitmaps';
import { TokenCountPromoter } from './token-count-promoter';
import { TokenSets } from './token-sets';
import {
  COLUMNS,
  customerGroupWrite,
  GroupedChange,
  insertParams,
  ROW_PLACEHOLDERS,
} from './customer-group-writes';

/** A stored customer as the service sees it. */
export interface CustomerRow {
  id: string;
  version: number;
  /** The JSON document text (without id/href). */
  document: string;
  /**
   * The TMF629 v5 side bag as JSON text (docs/v5.md), when the customer has one; read only where
   * v5 needs it (absent: not read; null: none).
   */
  extension?: string | null;
  /** The row's key in the token index (`findForUpdate` only). */
  seq?: number;
}

export interface CustomerWrite extends CustomerRow {
  /** The parsed document, for the search-index rows. */
  parsed: JsonObject;
  columns: CustomerColumns;
  /** Epoch milliseconds. */
  now: number;
  /**
   * The v5 side bag to store with this version (JSON text), or null for none. Undefined: the
   * write leaves the side bag as it is (a v4 write on a customer that had none).
   */
  extension?: string | null;
}

const ROW_SELECT = 'c.id, c.version, c.document';
/** SQLite: the token index's key of a customer (`seq INTEGER PRIMARY KEY`). */
const CUSTOMER_SEQ: KeySequence = { table: 'customer', column: 'seq' };
/** Deepest first page (`offset + limit`) read from the held sets: their first matches, in order. */
const HELD_PAGE_ROWS = 1000;

/** The maintained count of every customer. */
const ALL_CUSTOMERS: CounterKey = { dim: 'total', values: [''] };

/** One page of a list and what its links need. */
export interface CustomerPageRows {
  rows: CustomerRow[];
  /** Matches in all pages (exact). */
  total: number;
  /** The sort key values of the page's first and last rows (keyset cursors start there). */
  firstKeys: KeyValue[] | undefined;
  lastKeys: KeyValue[] | undefined;
  /** A keyset page: whether rows lie beyond it in the direction it was read (after or before). */
  more: boolean;
}

type KeyedRow = Record<string, unknown> & { id: string };
type CountRow = { total: number | string };
const SELECT_BY_ID = 'SELECT id, version, document FROM customer WHERE id = ?';
// With the v5 side bag: one statement, so document and side bag are always of the same version.
const SELECT_WITH_EXTENSION = `SELECT c.id, c.version, c.document, x.extension FROM customer c
  LEFT JOIN customer_v5_extension x ON x.customer_id = c.id`;
// For a write: with the row's token-index key.
const SELECT_WITH_EXTENSION_AND_SEQ = `SELECT c.id, c.version, c.document, x.extension, c.seq FROM customer c
  LEFT JOIN customer_v5_extension x ON x.customer_id = c.id`;

/**
 * Data access for customers, in plain SQL through the shared DataSource (one statement per
 * operation, no entity hydration: the document is stored and returned as text). Knows both dialects.
 */
@Injectable()
export class CustomerRepository {
  readonly dialect: Dialect;
  /** The customer rows, token rows and counts a write leaves for its write group. */
  private readonly groupWrites: GroupWrite<GroupedChange>;
  /** SQLite: seq order was seen not to be id order (it never comes back while serving). */
  private seqDisorder = false;

  /**
   * The rows a write group's PATCHes and DELETEs change, read (MySQL/MariaDB: and locked) for the
   * whole group in one statement before its units run (`findForUpdate` takes its row from it):
   * MySQL/MariaDB write groups and the SQLite writer thread's.
   */
  private readonly lockedRows: GroupRead<string, CustomerRow> = {
    run: async (manager, ids) => {
      const ascii = ids.filter(isAsciiId);
      const rows =
        ascii.length === 0
          ? []
          : await manager.query<CustomerRow[]>(
              `${SELECT_WITH_EXTENSION_AND_SEQ} WHERE c.id IN (${ascii.map(() => '?').join(', ')})${this.dialect === 'mysql' ? ' FOR UPDATE' : ''}`,
              ascii,
            );
      return new Map(rows.map((row) => [row.id, withNumericSeq(row)]));
    },
  };

  constructor(
    private readonly tx: TransactionRunner,
    private readonly promoter: TokenCountPromoter,
    private readonly keptKeys: KeptTokenKeys,
    private readonly bitmaps: TokenBitmaps,
    private readonly tokenSets: TokenSets,
  ) {
    this.dialect = tx.dialect;
    this.groupWrites = customerGroupWrite(this.dialect, () => tx.mariadb, keptKeys, tokenSets);
  }

  /**
   * For `TransactionRunner.write`: the customer `id` that a write will lock with
   * {@link findForUpdate}, so that a write group locks all its customers in one statement.
   */
  lockAhead(id: string): Prefetch {
    return { read: this.lockedRows, key: id };
  }

  async findById(id: string): Promise<CustomerRow | null> {
    if (!isAsciiId(id)) {
      return null;
    }
    const row = await this.tx.readOne<CustomerRow>(SELECT_BY_ID, [id]);
    return row ?? null;
  }

  /** The row with its v5 side bag (`extension` null when it has none). */
  async findWithExtension(id: string): Promise<CustomerRow | null> {
    if (!isAsciiId(id)) {
      return null;
    }
    const row = await this.tx.readOne<CustomerRow>(`${SELECT_WITH_EXTENSION} WHERE c.id = ?`, [id]);
    return row ?? null;
  }

  /**
   * Inside a write transaction: reads the row with its v5 side bag and locks both until commit
   * (MySQL row locks; READ COMMITTED takes no gap lock where there is no side bag).
   */
  async findForUpdate(manager: EntityManager, id: string): Promise<CustomerRow | null> {
    const locked = this.tx.prefetched(manager, this.lockedRows, id);
    if (locked) {
      return locked.value ?? null;
    }
    return this.selectById(manager, id, true);
  }

  async insert(manager: EntityManager, row: CustomerWrite): Promise<void> {
    if (this.dialect === 'mysql') {
      // Nobody can address the new customer before COMMIT (its id is not out yet): its row and
      // token rows wait for the write group's INSERTs.
      await this.tx.groupWrite(manager, this.groupWrites, [{ kind: 'insert', row }]);
      await this.writeExtension(manager, row.id, null, row.extension);
      await this.count(manager, undefined, row.columns);
      return;
    }
    const c = row.columns;
    // On the writer thread the process hands out `seq`, so the whole write goes with COMMIT.
    const seq = await this.tx.nextKey(manager, CUSTOMER_SEQ);
    if (seq !== undefined) {
      this.tx.queue(manager, [
        {
          sql: `INSERT INTO customer (seq, id, ${COLUMNS}, created_at, updated_at, version, document)
           VALUES (?, ${ROW_PLACEHOLDERS.slice(1)}`,
          params: [seq, ...insertParams(row)],
        },
        seqDisorderStatement(seq, row.id),
      ]);
      await this.writeTokens(manager, seq, undefined, row.parsed);
      await this.writeExtension(manager, row.id, null, row.extension);
      await this.count(manager, undefined, c);
      return;
    }
    // The row's `seq` keys its token rows; `disorder` is 1 when the customer inserted before it
    // has a greater id (seq order stops being id order, see SEQ_DISORDER).
    const inserted = await manager.query<{ seq: number; disorder: number | null }[]>(
      `INSERT INTO customer (id, ${COLUMNS}, created_at, updated_at, version, document)
       VALUES ${ROW_PLACEHOLDERS}
       RETURNING seq, (SELECT p.id FROM customer p WHERE p.seq < customer.seq ORDER BY p.seq DESC LIMIT 1) > id AS disorder`,
      insertParams(row),
    );
    await this.writeTokens(manager, inserted[0].seq, undefined, row.parsed);
    await this.writeExtension(manager, row.id, null, row.extension);
    await this.count(manager, undefined, c, inserted[0]?.disorder === 1);
  }

  /**
   * Writes a new version over `previous` (the stored document at `expectedVersion`; `changed`: its
   * top-level attributes that differ in the new one); false when the stored version is no longer
   * `expectedVersion` (SQLite; on MySQL/MariaDB the group's UPDATE fails then).
   */
  async update(
    manager: EntityManager,
    row: CustomerWrite,
    expectedVersion: number,
    previous: {
      document: JsonObject;
      changed: readonly string[];
      extension?: string | null;
      /** Its token-index key, when the locked read returned it. */
      seq?: number;
    },
  ): Promise<boolean> {
    // Only the columns whose value changes: SQLite rewrites the entry of every index on a column
    // named in SET, changed or not (InnoDB compares first), and each entry dirties a B-tree leaf.
    // The stored columns are always columnsOf(stored document), as the search index rows are.
    const stored = columnsOf(previous.document);
    const changed = changedColumns(stored, row.columns);
    // Only the index rows that differ: most patches change one or two attributes.
    if (this.dialect === 'sqlite') {
      const update: QueuedStatement = {
        sql: `UPDATE customer SET ${changed.map((column) => `${column} = ?, `).join('')}updated_at = ?, version = ?, document = ?
         WHERE id = ? AND version = ?`,
        params: [
          ...changed.map((column) => row.columns[column]),
          row.now,
          row.version,
          row.document,
          row.id,
          expectedVersion,
        ],
        changes: 1,
      };
      // The row read in this transaction (its seq with it) is the one updated: on the writer
      // thread the UPDATE goes with COMMIT.
      let seq = previous.seq;
      if (seq === undefined || !this.tx.queue(manager, [update])) {
        const updated = await manager.query<{ seq: number }[]>(
          `${update.sql} RETURNING seq`,
          update.params,
        );
        if (updated.length !== 1) {
          return false;
        }
        seq = updated[0].seq;
      }
      await this.writeTokens(manager, seq, previous.document, row.parsed, previous.changed);
      await this.writeExtension(manager, row.id, previous.extension, row.extension);
      await this.count(manager, stored, row.columns);
      return true;
    }
    // The row is locked (findForUpdate): its new version waits for the write group's UPDATE.
    await this.tx.groupWrite(manager, this.groupWrites, [
      { kind: 'update', row, columns: changed, expectedVersion },
    ]);
    if (mysqlTokenChanges(customerSqlStorage, previous.changed)) {
      // The row is locked: its seq cannot change under us.
      const seq =
        previous.seq ??
        (
          await manager.query<{ seq: number }[]>('SELECT seq FROM customer WHERE id = ?', [row.id])
        )[0].seq;
      const deltas: CountDeltas = new Map();
      const rewrites = mysqlTokenUpdateStatements(
        customerSqlStorage,
        Number(seq),
        previous.document,
        row.parsed,
        undefined,
        deltas,
      );
      await runInOrder(manager, rewrites);
      // Its epoch's change counter, when its token rows changed (held bitmaps read it again).
      const changes: GroupedChange[] = [
        ...(deltas.size > 0 ? [{ kind: 'tokenCounts' as const, deltas }] : []),
        ...(rewrites.length > 0
          ? [{ kind: 'tokenEpochs' as const, epochs: [epochOf(Number(seq))] }]
          : []),
      ];
      if (changes.length > 0) {
        await this.tx.groupWrite(manager, this.groupWrites, changes);
      }
    }
    await this.writeExtension(manager, row.id, previous.extension, row.extension);
    await this.count(manager, stored, row.columns);
    return true;
  }

  /**
   * Deletes the customer `row` as `findForUpdate` read and locked it (`previous`: its parsed
   * document), with its v5 side bag when it has one.
   */
  async delete(manager: EntityManager, row: CustomerRow, previous: JsonObject): Promise<boolean> {
    const { id } = row;
    if (!isAsciiId(id)) {
      return false;
    }
    if (row.extension) {
      await this.writeExtension(manager, id, 'present', null);
    }
    if (this.dialect === 'sqlite') {
      // As read in this transaction (findForUpdate): on the writer thread it goes with COMMIT.
      let seq = row.seq;
      const deletion = { sql: 'DELETE FROM customer WHERE id = ?', params: [id], changes: 1 };
      if (seq === undefined || !this.tx.queue(manager, [deletion])) {
        const deleted = await manager.query<{ seq: number }[]>(`${deletion.sql} RETURNING seq`, [
          id,
        ]);
        if (deleted.length !== 1) {
          return false;
        }
        seq = deleted[0].seq;
      }
      await this.writeTokens(manager, seq, previous, undefined);
    } else {
      if (row.seq === undefined) {
        throw new Error('A MySQL delete needs the row as findForUpdate read it (its seq)');
      }
      // The row is locked (findForUpdate): it goes with the write group's other deleted rows in
      // one DELETE. Its token rows stay until the sweep (TokenSweeper); its seq goes on the
      // sweep's list, in one INSERT for the group.
      await this.tx.groupWrite(manager, this.groupWrites, [
        { kind: 'delete', id, seq: row.seq, document: previous },
      ]);
    }
    await this.count(manager, columnsOf(previous), undefined);
    return true;
  }

  /**
   * Stores the v5 side bag of a write: `before` is the stored one (null: none), `after` the new one
   * (null: none; undefined: unchanged). Only the statement the change needs, so a customer without a
   * side bag never touches the table.
   */
  private async writeExtension(
    manager: EntityManager,
    id: string,
    before: string | null | undefined,
    after: string | null | undefined,
  ): Promise<void> {
    const statement = extensionStatement(id, before, after);
    // On the writer thread it goes with the group's COMMIT (its answer is not needed).
    if (statement && !this.tx.queue(manager, [statement])) {
      await manager.query(statement.sql, statement.params);
    }
  }

  /** SQLite: the token rows' changes, left for the write group (see `groupWrites`). */
  private async writeTokens(
    manager: EntityManager,
    seq: number,
    before: JsonObject | undefined,
    after: JsonObject | undefined,
    changedRoots?: readonly string[],
  ): Promise<void> {
    const changes = tokenRowChanges(customerSqlStorage, seq, before, after, changedRoots);
    if (changes.length > 0) {
      await this.tx.groupWrite(manager, this.groupWrites, [{ kind: 'tokens', changes }]);
    }
  }

  /**
   * Compiles a list query: on MySQL/MariaDB with the token index, after reading how many epochs hold
   * rows and checking the candidates the index alone does not decide (`compileMysqlSql`). `storage`:
   * the view's (v4 or v5, which differ in the derived href only).
   */
  async compile(
    query: ParsedQuery,
    storage: SqlStorage,
    options: Omit<CompileOptions, 'dialect' | 'tokenEpochs' | 'residualIds'>,
  ): Promise<CompiledSql> {
    if (this.dialect === 'sqlite') {
      return compileSql(query, storage, { ...options, dialect: 'sqlite' });
    }
    // A kept key is counted from its count rows alone (those it knew of when it last read them);
    // a filter of several kept keys is intersected in this server's bitmaps (`TokenBitmaps`).
    const tokenKeptKeys = this.keptKeys.get()?.keys;
    return this.tx.readRows((query_) =>
      compileMysqlSql(
        query,
        storage,
        { ...options, tokenKeptKeys },
        (statement) => query_(this.tx.readSql(statement), statement.params),
        undefined,
        undefined,
        this.bitmaps.intersections,
      ),
    );
  }

  /** Applies a write to the maintained counts, last in the transaction (shortest lock). */
  private async count(
    manager: EntityManager,
    before: CustomerColumns | undefined,
    after: CustomerColumns | undefined,
    outOfOrder = false,
  ): Promise<void> {
    await this.tx.groupWrite(manager, this.groupWrites, [
      { kind: 'count', change: { before, after, outOfOrder } },
    ]);
  }

  /**
   * One page of matches and the total number of matches, in one read (one snapshot on SQLite).
   * Each row carries its sort key values, for the cursors of the pages around it.
   * - A keyset page (`position`, from a cursor) reads the rows strictly after or before that
   *   position: index seeks that cost the same at any depth (`keysetStatements`), one row more
   *   than the page to know whether another page follows; then the page's documents by id.
   * - The first page reads its documents directly, in the keyset form too (the sort index delivers
   *   the order whatever the nulls).
   * - A later `offset` page selects only ids, so sorting and skipping walk narrow index entries,
   *   never documents, and then reads the page's documents by primary key (a "deferred join").
   * The total needs no COUNT when an offset page is not full: it is then the offset plus what the
   * page holds.
   */
  async findPage(
    compiled: CompiledSql,
    position?: KeysetPosition,
    counter?: CounterKey,
    withExtensions = false,
  ): Promise<CustomerPageRows> {
    try {
      const page =
        (position === undefined && counter === undefined
          ? await this.readHeldPage(compiled, withExtensions)
          : undefined) ?? (await this.readPage(compiled, position, counter, withExtensions));
      this.promoter.counted(compiled, page.total);
      return page;
    } finally {
      compiled.residual?.release();
    }
  }

  /**
   * SQLite, a filter that is an AND of kept tokens, first pages in id order: counted from the sets
   * held in memory (`TokenSets`), the page read by the first matches' seqs (seq order is id order
   * while `customer_count` says so, read with the page). Undefined, for the SQL path, for any other
   * filter or order, while a write is in flight, when seq order is not id order, or when a write
   * settled while the page was read (the count and the page must be of one state).
   */
  private async readHeldPage(
    compiled: CompiledSql,
    withExtensions: boolean,
  ): Promise<CustomerPageRows | undefined> {
    const sets = this.tokenSets.sets;
    const tokens = sets?.tokensOf(compiled.tokenSearch);
    const firstRows = firstRowsInIdOrder(compiled, customerSqlStorage.idColumn, HELD_PAGE_ROWS);
    if (!sets || !tokens || firstRows === undefined || this.seqDisorder) {
      return undefined;
    }
    const held = await sets.intersect(tokens, this.tokenSets.read);
    if (!held) {
      return undefined;
    }
    const seqs = held.matches.first(firstRows).slice(compiled.page!.offset);
    const select = withExtensions ? SELECT_WITH_EXTENSION : `SELECT ${ROW_SELECT} FROM customer c`;
    const [ordered, found] = await this.tx.readRows(
      (_query, batch) =>
        batch([
          seqOrderReadStatement(),
          {
            sql: `${select} WHERE c.seq IN (${seqs.map(() => '?').join(', ')}) ORDER BY c.seq`,
            params: seqs,
          },
        ]),
      undefined,
      `${compiled.shape ?? ''} ; held sets`,
    );
    if ((ordered?.[0] as { ordered: number } | undefined)?.ordered !== 1) {
      // For good: a customer inserted out of id order keeps seq order from id order.
      this.seqDisorder = true;
      return undefined;
    }
    const rows = (found ?? []) as CustomerRow[];
    if (!sets.current(held.version) || rows.length !== seqs.length) {
      return undefined;
    }
    // In id order the id is the only key (the cursors' values).
    return {
      rows,
      total: held.matches.total,
      firstKeys: rows.length > 0 ? [rows[0].id] : undefined,
      lastKeys: rows.length > 0 ? [rows[rows.length - 1].id] : undefined,
      more: false,
    };
  }

  /**
   * The page's statements go as steps, together where they do not depend on each other (a read
   * worker gets one message per batch): the page with its count (the count skipped when the page
   * is not full, its total then known); the documents by id after the ids they need; the token
   * index's order flag first, since the page's SQL depends on it.
   */
  private async readPage(
    compiled: CompiledSql,
    position: KeysetPosition | undefined,
    counter: CounterKey | undefined,
    withExtensions: boolean,
  ): Promise<CustomerPageRows> {
    const offset = compiled.page?.offset ?? 0;
    const limit = compiled.page?.limit ?? Number.MAX_SAFE_INTEGER;
    return this.tx.readRows(
      async (_query, batch) => {
        const keysOf = (row: KeyedRow | undefined) => row && keyValuesOf(row, compiled);
        let count = this.countStep(compiled, counter);
        let counted: unknown[] | undefined;
        const totalOf = (found: unknown[] | undefined) =>
          compiled.total ?? Number((found?.[0] as CountRow | undefined)?.total ?? 0);
        // SQLite, a one-sided range on a column: counted first, then paged by the plan its count
        // calls for (SQLite has no statistics to tell a range that keeps few rows).
        let plan = compiled;
        if (compiled.rangePlans && count) {
          const [matches, customers] = await batch([count, counterReadStatement(ALL_CUSTOMERS)]);
          counted = matches;
          count = undefined;
          const rows = position ? limit : offset + limit;
          plan = seeksColumnRange(totalOf(matches), rows, totalOf(customers))
            ? compiled.rangePlans.seek
            : compiled.rangePlans.walk;
        }
        // A filter the token index answers alone is paged in the index's order when it is id order.
        const seqOrdered =
          compiled.tokenSearch !== undefined &&
          ((await batch([seqOrderReadStatement()]))[0]?.[0] as { ordered: number } | undefined)
            ?.ordered === 1;
        if (position) {
          const statements = keysetStatements(
            plan,
            customerSqlStorage,
            this.dialect,
            'c.id',
            position,
            { seqOrdered },
          );
          const [found, countedNow] = await batch([
            { fill: statements, limit: limit + 1 },
            ...(count ? [count] : []),
          ]);
          counted ??= countedNow;
          const page = (found ?? []).slice(0, limit) as KeyedRow[];
          if (position.direction === 'before') {
            page.reverse();
          }
          return {
            rows: await this.byIds(batch, page, withExtensions),
            total: totalOf(counted),
            firstKeys: keysOf(page[0]),
            lastKeys: keysOf(page.at(-1)),
            more: (found?.length ?? 0) > limit,
          };
        }
        let rows: CustomerRow[];
        let keyed: KeyedRow[];
        if (offset === 0) {
          // Matches collected first are sorted by their keys alone; the page's documents after.
          const deferred = compiled.collectsMatches === true;
          const statements = keysetStatements(
            plan,
            customerSqlStorage,
            this.dialect,
            deferred ? 'c.id' : ROW_SELECT,
            undefined,
            { seqOrdered },
          );
          // The count only when the page is full: otherwise the page holds every match.
          const results = await batch([
            { fill: statements, limit },
            ...(count ? [{ ...count, onlyIfFull: { step: 0, limit } }] : []),
          ]);
          keyed = (results[0] ?? []) as KeyedRow[];
          counted ??= results[1];
          // v5 reads the page's rows again with their side bags, each row in one statement.
          rows =
            withExtensions || deferred
              ? await this.byIds(batch, keyed, withExtensions)
              : (keyed as unknown as CustomerRow[]);
        } else {
          const statements = buildListStatements(plan, customerSqlStorage, 'c.id', {
            keys: true,
            seqOrdered,
          });
          keyed = ((await batch([statements.page]))[0] ?? []) as KeyedRow[];
          // A page neither full nor empty holds the last matches: the total needs no count.
          const countNow = keyed.length < limit && keyed.length > 0 ? undefined : count;
          const results = await batch([
            ...(keyed.length > 0 ? [this.byIdsStep(keyed, withExtensions)] : []),
            ...(countNow ? [countNow] : []),
          ]);
          rows = keyed.length > 0 ? this.inOrder(results[0], keyed) : [];
          counted ??= countNow ? results.at(-1) : undefined;
        }
        const matched = keyed.length;
        const total =
          matched < limit && (matched > 0 || offset === 0) ? offset + matched : totalOf(counted);
        return {
          rows,
          total,
          firstKeys: keysOf(keyed[0]),
          lastKeys: keysOf(keyed.at(-1)),
          more: false,
        };
      },
      compiled.residual,
      compiled.shape,
    );
  }

  /**
   * The statement of the exact number of matches: from the maintained counts when they hold it,
   * else counted; none when compiling counted it already (`compiled.total`).
   */
  private countStep(
    compiled: CompiledSql,
    counter: CounterKey | undefined,
  ): SqlStatement | undefined {
    if (compiled.total !== undefined) {
      return undefined;
    }
    return counter
      ? counterReadStatement(counter)
      : buildListStatements(compiled, customerSqlStorage, 'c.id').count;
  }

  private async byIds(
    batch: ReadBatch,
    ids: { id: string }[],
    withExtensions = false,
  ): Promise<CustomerRow[]> {
    if (ids.length === 0) {
      return [];
    }
    const [found] = await batch([this.byIdsStep(ids, withExtensions)]);
    return this.inOrder(found, ids);
  }

  private byIdsStep(ids: { id: string }[], withExtensions: boolean): ReadStep {
    const where = `IN (${ids.map(() => '?').join(', ')})`;
    return {
      sql: withExtensions
        ? `${SELECT_WITH_EXTENSION} WHERE c.id ${where}`
        : `SELECT id, version, document FROM customer WHERE id ${where}`,
      params: ids.map((r) => r.id),
    };
  }

  /** The rows read by id, in the ids' order. */
  private inOrder(found: unknown[] | undefined, ids: { id: string }[]): CustomerRow[] {
    const byId = new Map(((found ?? []) as CustomerRow[]).map((row) => [row.id, row]));
    // A row deleted between the two reads (MySQL, no shared snapshot) is simply left out.
    return ids.map((r) => byId.get(r.id)).filter((row): row is CustomerRow => row !== undefined);
  }

  private async selectById(
    manager: EntityManager,
    id: string,
    forUpdate: boolean,
  ): Promise<CustomerRow | null> {
    if (!isAsciiId(id)) {
      return null;
    }
    const lock = forUpdate && this.dialect === 'mysql' ? ' FOR UPDATE' : '';
    const rows = await manager.query<CustomerRow[]>(
      `${SELECT_WITH_EXTENSION_AND_SEQ} WHERE c.id = ?${lock}`,
      [id],
    );
    return rows[0] ? withNumericSeq(rows[0]) : null;
  }
}

/**
 * The statement that stores a v5 side bag change (see `writeExtension`); none when the change
 * needs none, so a customer without a side bag never touches the table.
 */
function extensionStatement(
  id: string,
  before: string | null | undefined,
  after: string | null | undefined,
): SqlStatement | undefined {
  if (after === undefined || after === before) {
    return undefined;
  }
  if (after === null) {
    return before === null || before === undefined
      ? undefined
      : { sql: 'DELETE FROM customer_v5_extension WHERE customer_id = ?', params: [id] };
  }
  return before === null || before === undefined
    ? {
        sql: 'INSERT INTO customer_v5_extension (customer_id, extension) VALUES (?, ?)',
        params: [id, after],
      }
    : {
        sql: 'UPDATE customer_v5_extension SET extension = ? WHERE customer_id = ?',
        params: [after, id],
      };
}

/** The row with its `seq` as a number (a BIGINT-safe driver may return text). */
function withNumericSeq(row: CustomerRow): CustomerRow {
  if (row.seq !== undefined) {
    row.seq = Number(row.seq);
  }
  return row;
}
