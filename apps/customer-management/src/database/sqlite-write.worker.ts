import { parentPort, workerData } from 'node:worker_threads';

import Database from 'better-sqlite3';

import { SqliteStatementCache } from './sqlite-statement-cache';
import { openWriter } from './sqlite-writer-connection';
import type {
  WriteOp,
  WriteResult,
  WriteWorkerData,
  WriteWorkerReply,
  WriteWorkerRequest,
} from './sqlite-write-protocol';

// The SQLite writer thread (SqliteWriter): the one write connection, running the statements the
// event loop's write groups send, in the order sent, each message to its end. Loads no Nest, no
// TypeORM: the driver and the SQL functions.

const data = workerData as WriteWorkerData;
const port = parentPort!;
const db = openWriter(new Database(data.file, { fileMustExist: true }));
const statements = new SqliteStatementCache(db, data.maxCachedStatements);

port.on('message', (request: WriteWorkerRequest) => {
  if ('stop' in request) {
    rollback();
    db.close();
    port.close();
    return;
  }
  if ('rollback' in request) {
    rollback();
    port.postMessage({ id: request.id, results: [] } satisfies WriteWorkerReply);
    return;
  }
  port.postMessage(run(request.id, request.ops, request.commit));
});

function run(id: number, ops: readonly WriteOp[], commit: boolean): WriteWorkerReply {
  const results: WriteResult[] = [];
  let at = 0;
  try {
    for (; at < ops.length; at++) {
      results.push(execute(ops[at]));
    }
    if (commit) {
      statements.get('COMMIT').statement.run();
    }
    return { id, results };
  } catch (err) {
    if (commit) {
      rollback();
    }
    const e = err as { message?: unknown; code?: unknown } | null;
    return {
      id,
      at,
      error: {
        message: typeof e?.message === 'string' ? e.message : String(err),
        ...(typeof e?.code === 'string' ? { code: e.code } : {}),
      },
    };
  }
}

function execute(op: WriteOp): WriteResult {
  const { statement, columns } = statements.get(op.sql);
  const expect = op.expect;
  if (columns) {
    const rows = statement.all(...op.params) as unknown[][];
    if (expect?.value !== undefined && rows[0]?.[0] !== expect.value) {
      throw unexpected(expect.code, op.sql);
    }
    return { columns, rows, changes: 0, lastInsertRowid: 0 };
  }
  const info = statement.run(...op.params);
  if (expect?.changes !== undefined && info.changes !== expect.changes) {
    throw unexpected(expect.code, op.sql);
  }
  return { changes: info.changes, lastInsertRowid: info.lastInsertRowid };
}

/** A statement whose answer is not the one its unit computed ahead (`WriteExpect`). */
function unexpected(code: string, sql: string): Error {
  return Object.assign(new Error(`Not the answer expected ahead (${code}): ${sql}`), { code });
}

function rollback(): void {
  if (db.inTransaction) {
    db.exec('ROLLBACK');
  }
}
