import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import {
  customerSqlStorage,
  indexDeleteStatement,
  indexWriteStatements,
  SqlStatement,
} from '@app/tmf-query';
import { Dialect } from '@server/database/dialect';
import { TransactionRunner } from '@server/database/transaction-runner';

import { CustomerColumns, JsonObject } from './customer-document';
import { isAsciiId } from '@server/database/ascii-id';

/** A stored customer as the service sees it. */
export interface CustomerRow {
  id: string;
  version: number;
  /** The JSON document text (without id/href). */
  document: string;
}

export interface CustomerWrite extends CustomerRow {
  /** The parsed document, for the search-index rows. */
  parsed: JsonObject;
  columns: CustomerColumns;
  /** Epoch milliseconds. */
  now: number;
}

/** A page query and its count, compiled by @app/tmf-query (bound parameters only). */
export interface CustomerListStatements {
  page: SqlStatement;
  count: SqlStatement;
}

/**
 * What list statements select, under the compiler's table alias `c`: only the id. Sorting and
 * skipping (OFFSET) then touch narrow index entries, never documents; the page's documents are read
 * afterwards by primary key (a "deferred join").
 */
export const LIST_SELECT = 'c.id';

const COLUMNS = 'name, status, at_type, engaged_party_id, valid_for_start, valid_for_end';

/**
 * Data access for customers, in plain SQL through the shared DataSource (one statement per
 * operation, no entity hydration: the document is stored and returned as text). Knows both dialects.
 */
@Injectable()
export class CustomerRepository {
  readonly dialect: Dialect;

  constructor(private readonly tx: TransactionRunner) {
    this.dialect = tx.dialect;
  }

  async findById(id: string): Promise<CustomerRow | null> {
    return this.tx.read((manager) => this.selectById(manager, id, false));
  }

  /** Inside a write transaction: reads the row and locks it until commit (MySQL row lock). */
  async findForUpdate(manager: EntityManager, id: string): Promise<CustomerRow | null> {
    return this.selectById(manager, id, true);
  }

  async insert(manager: EntityManager, row: CustomerWrite): Promise<void> {
    const c = row.columns;
    await manager.query(
      `INSERT INTO customer (id, ${COLUMNS}, created_at, updated_at, version, document)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        row.id,
        c.name,
        c.status,
        c.atType,
        c.engagedPartyId,
        c.validForStart,
        c.validForEnd,
        row.now,
        row.now,
        row.version,
        row.document,
      ],
    );
    await this.writeIndex(manager, row, true);
  }

  /** Writes a new version; false when the stored version is no longer `expectedVersion`. */
  async update(
    manager: EntityManager,
    row: CustomerWrite,
    expectedVersion: number,
  ): Promise<boolean> {
    const c = row.columns;
    const affected = await this.execute(
      manager,
      `UPDATE customer SET name = ?, status = ?, at_type = ?, engaged_party_id = ?,
         valid_for_start = ?, valid_for_end = ?, updated_at = ?, version = ?, document = ?
       WHERE id = ? AND version = ?`,
      [
        c.name,
        c.status,
        c.atType,
        c.engagedPartyId,
        c.validForStart,
        c.validForEnd,
        row.now,
        row.version,
        row.document,
        row.id,
        expectedVersion,
      ],
    );
    if (affected !== 1) {
      return false;
    }
    await this.writeIndex(manager, row);
    return true;
  }

  async delete(manager: EntityManager, id: string): Promise<boolean> {
    const index = indexDeleteStatement(customerSqlStorage, id);
    await manager.query(index.sql, index.params);
    if (!isAsciiId(id)) {
      return false;
    }
    return (await this.execute(manager, 'DELETE FROM customer WHERE id = ?', [id])) === 1;
  }

  /** One page of matches and the total number of matches (one read, one snapshot on SQLite). */
  async findPage(
    statements: CustomerListStatements,
  ): Promise<{ rows: CustomerRow[]; total: number }> {
    return this.tx.read(async (manager) => {
      const ids = await manager.query<{ id: string }[]>(
        statements.page.sql,
        statements.page.params,
      );
      const counted = await manager.query<{ total: number | string }[]>(
        statements.count.sql,
        statements.count.params,
      );
      const total = Number(counted[0]?.total ?? 0);
      if (ids.length === 0) {
        return { rows: [], total };
      }
      const found = await manager.query<CustomerRow[]>(
        `SELECT id, version, document FROM customer WHERE id IN (${ids.map(() => '?').join(', ')})`,
        ids.map((r) => r.id),
      );
      const byId = new Map(found.map((row) => [row.id, row]));
      // A row deleted between the two reads (MySQL, no shared snapshot) is simply left out.
      const rows = ids
        .map((r) => byId.get(r.id))
        .filter((row): row is CustomerRow => row !== undefined);
      return { rows, total };
    });
  }

  // The search index is rewritten in the same transaction as the document it describes.
  private async writeIndex(
    manager: EntityManager,
    row: CustomerWrite,
    fresh = false,
  ): Promise<void> {
    const statements = indexWriteStatements(customerSqlStorage, row.id, row.parsed);
    // A new customer has no rows to delete: skip the leading DELETE.
    for (const statement of fresh ? statements.slice(1) : statements) {
      await manager.query(statement.sql, statement.params);
    }
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
      `SELECT id, version, document FROM customer WHERE id = ?${lock}`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Runs a write statement and returns the number of rows it changed, on either driver. */
  private async execute(manager: EntityManager, sql: string, params: unknown[]): Promise<number> {
    if (!manager.queryRunner) {
      throw new Error('CustomerRepository writes must run inside a transaction');
    }
    const result = await manager.queryRunner.query(sql, params, true);
    return result.affected ?? 0;
  }
}
