import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { Dialect } from '@server/database/dialect';
import { TransactionRunner } from '@server/database/transaction-runner';

import { CustomerColumns } from './customer-document';

/** A stored customer as the service sees it. */
export interface CustomerRow {
  id: string;
  version: number;
  /** The JSON document text (without id/href). */
  document: string;
}

export interface CustomerWrite extends CustomerRow {
  columns: CustomerColumns;
  /** Epoch milliseconds. */
  now: number;
}

/** A WHERE/ORDER BY built elsewhere (query language), with bound parameters only. */
export interface CustomerListQuery {
  where: string;
  params: unknown[];
  orderBy: string;
  offset: number;
  limit: number;
}

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
    return affected === 1;
  }

  async delete(manager: EntityManager, id: string): Promise<boolean> {
    return (await this.execute(manager, 'DELETE FROM customer WHERE id = ?', [id])) === 1;
  }

  /** One page of matches and the total number of matches. */
  async findPage(query: CustomerListQuery): Promise<{ rows: CustomerRow[]; total: number }> {
    return this.tx.read(async (manager) => {
      const where = query.where ? `WHERE ${query.where}` : '';
      const rows = await manager.query<CustomerRow[]>(
        `SELECT id, version, document FROM customer ${where} ORDER BY ${query.orderBy} LIMIT ? OFFSET ?`,
        [...query.params, query.limit, query.offset],
      );
      const counted = await manager.query<{ n: number | string }[]>(
        `SELECT COUNT(*) AS n FROM customer ${where}`,
        query.params,
      );
      return { rows, total: Number(counted[0]?.n ?? 0) };
    });
  }

  private async selectById(
    manager: EntityManager,
    id: string,
    forUpdate: boolean,
  ): Promise<CustomerRow | null> {
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
