/**
 * Measurement only, never a product setting: a server entry for `npm run bench -- --entries` that
 * drops the `customer` table's typed-column B-trees (`idx_customer_*`; the id's unique index stays)
 * from the SQLite database it is given, then starts this repository's build on it. What a write
 * costs without them is what they cost (docs/performance.md, "the write lines by ablation"). Lists
 * that need those indexes walk the table instead: measure writes only with it.
 *
 *   npm run bench -- --db sqlite --seed 100000 --ops post,patch,delete \
 *     --entries dist/apps/customer-management/src/main.js,test/load/without-typed-indexes.js
 *
 * `DROP_INDEXES` (names without the `idx_customer_` prefix, comma-separated; through `--entry-env`)
 * drops those only, to tell which of them a write pays for.
 */
const { resolve } = require('node:path');

const root = resolve(__dirname, '../..');
const url = process.env.DATABASE_URL ?? '';
if (!url.startsWith('sqlite:') || url === 'sqlite::memory:') {
  throw new Error(`without-typed-indexes.js needs a SQLite file, not '${url}'`);
}
const Database = require(resolve(root, 'node_modules/better-sqlite3'));
const db = new Database(url.slice('sqlite:'.length));
const names = db
  .prepare(
    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customer' AND name LIKE 'idx_customer_%'",
  )
  .all()
  .map((row) => row.name)
  .filter((name) => {
    const only = process.env.DROP_INDEXES;
    return !only || only.split(',').includes(name.slice('idx_customer_'.length));
  });
for (const name of names) {
  db.exec(`DROP INDEX ${name}`);
}
db.close();
process.stderr.write(`without-typed-indexes: dropped ${names.join(', ')}\n`);
require(resolve(root, 'dist/apps/customer-management/src/main.js'));
