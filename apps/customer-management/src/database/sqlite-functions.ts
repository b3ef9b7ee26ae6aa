import type { Database } from 'better-sqlite3';

import { sqliteInstant, sqliteRegexp, sqliteResidual } from '@app/tmf-query';

// SQLite has no REGEXP of its own; `x REGEXP y` calls regexp(y, x). The query lib's implementation
// keeps the pattern dialect the same as on MySQL/MariaDB. `tmf_residual` and `tmf_instant` serve the
// token index: conditions it only narrows are decided on the stored document by the evaluator.
// Its own file, free of TypeORM: the read workers load it (sqlite-read.worker.ts).
export function registerFunctions(db: Database): void {
  db.function('regexp', { deterministic: true }, sqliteRegexp);
  db.function('tmf_instant', { deterministic: true }, sqliteInstant);
  db.function('tmf_residual', sqliteResidual);
}
