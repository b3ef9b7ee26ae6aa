import { parentPort, workerData } from 'node:worker_threads';

import Database from 'better-sqlite3';

import { adoptResidual, QueryException, ResidualCheck } from '@app/tmf-query';

import { runSteps } from './read-steps';
import { registerFunctions } from './sqlite-functions';
import { SqliteStatementCache } from './sqlite-statement-cache';
import { sqliteStepRows } from './sqlite-step-rows';
import type { ReadWorkerData, ReadWorkerReply, ReadWorkerRequest } from './sqlite-read-protocol';

// A read worker (SqliteReadWorkers): one read-only connection on its own thread, answering one read
// at a time, in the order the reads were sent. Loads no Nest, no TypeORM: the driver, the query
// lib's SQL functions and the steps.

const data = workerData as ReadWorkerData;
const port = parentPort!;
// Read-only: the writer alone changes the database (and its schema, through migrations).
const db = new Database(data.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('temp_store = MEMORY');
registerFunctions(db);

const statements = new SqliteStatementCache(db, data.maxCachedStatements);
let residual: ResidualCheck | undefined;
// Messages are handled one after the other, each to its end.
let queue = Promise.resolve();

port.on('message', (request: ReadWorkerRequest) => {
  queue = queue
    .then(() => handle(request))
    .catch((err: unknown) => {
      // Outside any read's statements (COMMIT, close): the worker stops, and the pool replaces it.
      setImmediate(() => {
        throw err;
      });
    });
});

async function handle(request: ReadWorkerRequest): Promise<void> {
  if ('stop' in request) {
    endRead();
    db.close();
    port.close();
    return;
  }
  if (!('id' in request)) {
    endRead();
    return;
  }
  let reply: ReadWorkerReply;
  try {
    if (request.begin && !db.inTransaction) {
      db.exec('BEGIN');
    }
    if (request.residual && residual?.key !== request.residual.key) {
      residual?.release();
      residual = adoptResidual(request.residual);
    }
    const results = await runSteps(
      request.steps,
      (sql, params, first) => {
        const { statement } = statements.get(sql);
        return sqliteStepRows(statement, params, first, data.statementTimeoutMs);
      },
      () => residual?.reset(),
    );
    // A fill's statements share one select list (keysetStatements): the first one's names.
    const columns = request.steps.map((step, i) => {
      const sql = 'fill' in step ? step.fill[0]?.sql : step.sql;
      return results[i] === undefined || sql === undefined
        ? undefined
        : statements.get(sql).columns;
    });
    reply = { id: request.id, columns, results: results as (unknown[][] | undefined)[] };
  } catch (err) {
    reply = { id: request.id, error: serialize(err) };
  }
  if (request.end) {
    endRead();
  }
  port.postMessage(reply);
}

/** Ends the read: its transaction (a read one has nothing to undo) and its residual check. */
function endRead(): void {
  if (db.inTransaction) {
    db.exec('COMMIT');
  }
  residual?.release();
  residual = undefined;
}

function serialize(err: unknown): { message: string; code?: string; queryCode?: string } {
  if (err instanceof QueryException) {
    return { message: err.message, queryCode: err.code };
  }
  const e = err as { message?: unknown; code?: unknown } | null;
  return {
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}
