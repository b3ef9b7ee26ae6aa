import { AppException, ErrorKind, isJsonObject } from '@app/tmf-common/core';
import { arrayElements, elementValues, valuesAt } from '@app/tmf-query/memory';
import { AttributePath } from '@app/tmf-query/schema';
import { storedValues, StoredValue } from '@app/tmf-query/values';

import { indexPathId } from './index-encoding';
import { SqlStatement } from './index-entries';
import { isStoredOutsideIndex, SqlStorage, TokenIndexMapping } from './storage';
import {
  bucketTokens,
  copyToken,
  elementToken,
  MARKED_ELEMENTS,
  rangeLevels,
  repeatMarker,
  stringBucketTokens,
  valueToken,
} from './token-encoding';

/**
 * Rows of the token index per resource: the row id is `seq * 2^SLOT_BITS + slot`. Slot 0 holds the
 * tokens of the attributes outside arrays; each element of a first-level array has a slot of its
 * own (arrays in name order, elements in order), so the same-element rule is a match inside one row.
 */
export const SLOT_BITS = 20;
export const SLOTS = 2 ** SLOT_BITS;

/** One row of the token index: its slot and its tokens, space-separated. */
export interface TokenRow {
  readonly slot: number;
  readonly tokens: string;
  /**
   * The slot-0 row, when the mapping keeps counts: its value tokens (of the attributes outside
   * arrays, and the copies), each once: what the count table counts for the resource.
   */
  readonly counted?: readonly string[];
}

/** Which format of the rows to work out (the migrations between formats name both). */
export interface TokenRowFormat {
  /** Repeat markers on array rows (default true). */
  readonly repeats?: boolean;
  /** Copies of the arrays' value tokens on the slot-0 row (default: the mapping's `copies`). */
  readonly copies?: boolean;
  /** Date-time bucket tokens at the 32-bit level too (`rangeLevels`; default true). */
  readonly fineDates?: boolean;
  /**
   * One row per resource (`TokenIndexMapping.oneRow`, ADR 0014; default: the mapping's). The other
   * options then do not apply: the row always holds the copies, array rows no repeat markers.
   */
  readonly oneRow?: boolean;
}

/** The layout of element rows (ADR 0007), as the migrations before ADR 0014's wrote it. */
export const ELEMENT_ROWS: TokenRowFormat = { oneRow: false };

/** A resource whose arrays hold more elements than the token index has slots for. */
export class TokenIndexLimitException extends AppException<'TOO_MANY_ARRAY_ELEMENTS'> {
  constructor(count: number) {
    super(
      ErrorKind.BadRequest,
      'TOO_MANY_ARRAY_ELEMENTS',
      `The resource's arrays hold ${count} elements in all; at most ${SLOTS - 1} can be stored`,
    );
  }
}

export interface TokenLeaf {
  readonly attribute: AttributePath;
  readonly pathId: number;
  /**
   * The segments read below the leaf's first array (all of them for a leaf outside arrays) when
   * none of them is an array: the leaf is then read by plain property lookups ({@link leafValues}),
   * the common case, without the walker's allocations for every absent leaf.
   */
  readonly below: readonly string[] | undefined;
}

export interface TokenLayout {
  /** Leaves outside arrays (slot 0). */
  readonly root: readonly TokenLeaf[];
  /** First-level arrays in slot order, each with its leaves. */
  readonly arrays: ReadonlyArray<{ readonly sample: AttributePath; readonly leaves: TokenLeaf[] }>;
}

const LAYOUTS = new WeakMap<SqlStorage, TokenLayout>();

/** Which leaves go to which rows: worked out once per storage. */
export function layoutOf(storage: SqlStorage): TokenLayout {
  let layout = LAYOUTS.get(storage);
  if (!layout) {
    const root: TokenLeaf[] = [];
    const arrays = new Map<string, { sample: AttributePath; leaves: TokenLeaf[] }>();
    for (const attribute of storage.schema.leaves.values()) {
      if (isStoredOutsideIndex(storage, attribute.path)) {
        continue;
      }
      const first = attribute.arrays.indexOf(true);
      const nested = attribute.arrays.some((array, i) => array && i > first);
      const leaf = {
        attribute,
        pathId: indexPathId(attribute.path),
        below: nested ? undefined : attribute.segments.slice(first + 1),
      };
      if (attribute.arrayKey === undefined) {
        root.push(leaf);
        continue;
      }
      const group = arrays.get(attribute.arrayKey);
      if (group) {
        group.leaves.push(leaf);
      } else {
        arrays.set(attribute.arrayKey, { sample: attribute, leaves: [leaf] });
      }
    }
    const ordered = [...arrays.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, g]) => g);
    layout = { root, arrays: ordered };
    LAYOUTS.set(storage, layout);
  }
  return layout;
}

/**
 * The values of a leaf in `container` (the document for a leaf outside arrays, else one element of
 * the leaf's first array), reduced as the evaluator reduces them: what `valuesAt` and
 * `elementValues` give, an absent leaf costing no allocation.
 */
export function leafValues(container: unknown, leaf: TokenLeaf): readonly StoredValue[] {
  const { below, attribute } = leaf;
  if (below === undefined) {
    return attribute.arrayKey === undefined
      ? valuesAt(container, attribute)
      : elementValues(container, attribute);
  }
  let value = container;
  for (let i = 0; i < below.length; i++) {
    if (!isJsonObject(value)) {
      return NONE;
    }
    value = value[below[i]];
  }
  return value === undefined ? NONE : storedValues(attribute.type, value);
}

const NONE: readonly StoredValue[] = [];

/**
 * The token rows of a resource document: a value token per leaf value of every path outside the
 * typed columns, plus bucket tokens for numbers, date-times and the strings of `any` values. Values are reduced exactly as the
 * evaluator reduces them (wrong JSON types and unparseable date-times yield nothing). Rows without
 * tokens are left out. With copies, the slot-0 row also holds the copy (`copyToken`) of every value
 * token of the arrays' rows, each once.
 *
 * @throws TokenIndexLimitException when the arrays hold more elements than there are slots
 */
export function extractTokenRows(
  document: unknown,
  storage: SqlStorage,
  {
    repeats = true,
    copies = storage.tokenIndex?.copies ?? false,
    fineDates = true,
    oneRow = storage.tokenIndex?.oneRow !== undefined,
  }: TokenRowFormat = {},
): TokenRow[] {
  const layout = layoutOf(storage);
  const dateLevels = rangeLevels('d', fineDates);
  const counts = storage.tokenIndex?.countTable !== undefined;
  if (oneRow) {
    return extractOneRow(document, layout, dateLevels, counts, markedElements(storage));
  }
  const arrayRows: TokenRow[] = [];
  const { rootTokens, rootValues } = rootTokensOf(document, layout, dateLevels, counts);
  // The arrays' value tokens, each once (their copies are made from these: the tokens' hashes are
  // already known, where a Set of the copies would hash every new string again).
  const values = copies ? new Set<string>() : undefined;
  let base = 1;
  for (const { sample, leaves } of layout.arrays) {
    const elements = elementsOf(document, sample, base);
    // The tokens of this array's earlier rows (a path belongs to one array: no other row shares them).
    const earlier = new Set<string>();
    for (let pos = 0; pos < elements.length; pos++) {
      const tokens: string[] = [];
      for (const leaf of leaves) {
        pushTokens(tokens, leaf, leafValues(elements[pos], leaf), dateLevels, values);
      }
      if (tokens.length > 0) {
        if (repeats) {
          // The first row has no earlier one, and no row follows the last.
          markRepeats(tokens, earlier, pos > 0, pos < elements.length - 1);
        }
        arrayRows.push({ slot: base + pos, tokens: tokens.join(' ') });
      }
    }
    base += elements.length;
  }
  const copied: string[] = [];
  for (const token of values ?? []) {
    copied.push(copyToken(token));
  }
  if (rootTokens.length === 0 && copied.length === 0) {
    return arrayRows;
  }
  const slot0 = copied.length > 0 ? rootTokens.concat(copied) : rootTokens;
  const counted = rootValues && [...rootValues, ...copied];
  return [{ slot: 0, tokens: slot0.join(' '), ...(counted && { counted }) }, ...arrayRows];
}

/**
 * The tokens of the attributes outside arrays (the slot-0 row's own), and with `counts` their value
 * tokens, each once (what the count table counts for them).
 */
function rootTokensOf(
  document: unknown,
  layout: TokenLayout,
  dateLevels: readonly number[],
  counts: boolean,
): { rootTokens: string[]; rootValues: Set<string> | undefined } {
  const rootTokens: string[] = [];
  const rootValues = counts ? new Set<string>() : undefined;
  for (const leaf of layout.root) {
    pushTokens(rootTokens, leaf, leafValues(document, leaf), dateLevels, rootValues);
  }
  return { rootTokens, rootValues };
}

/**
 * The rows of {@link extractTokenRows} in the one-row layout (ADR 0014): the slot-0 row holds the
 * tokens of the attributes outside arrays, the copy of each array element's value token and each
 * element's bucket tokens (each once: "some element"), then the first `marked` (the mapping's
 * `markedElements`) elements' tokens marked with their ordinal (`elementToken`: "one element"). A
 * later element has a row of its own, at the slot the element-row layout gives it, its tokens
 * marked alike.
 */
function extractOneRow(
  document: unknown,
  layout: TokenLayout,
  dateLevels: readonly number[],
  counts: boolean,
  marked: number,
): TokenRow[] {
  const { rootTokens, rootValues } = rootTokensOf(document, layout, dateLevels, counts);
  const values = new Set<string>();
  const buckets = new Set<string>();
  const markedTokens: string[] = [];
  const elementRows: TokenRow[] = [];
  let base = 1;
  for (const { sample, leaves } of layout.arrays) {
    const elements = elementsOf(document, sample, base);
    for (let pos = 0; pos < elements.length; pos++) {
      const tokens: string[] = [];
      for (const leaf of leaves) {
        pushTokens(tokens, leaf, leafValues(elements[pos], leaf), dateLevels, values, buckets);
      }
      if (tokens.length === 0) {
        continue;
      }
      if (pos < marked) {
        for (const token of tokens) {
          markedTokens.push(elementToken(token, pos, marked));
        }
      } else {
        const own = tokens.map((token) => elementToken(token, pos, marked));
        elementRows.push({ slot: base + pos, tokens: own.join(' ') });
      }
    }
    base += elements.length;
  }
  if (rootTokens.length === 0 && values.size === 0 && buckets.size === 0) {
    return elementRows;
  }
  const copied: string[] = [];
  for (const token of values) {
    copied.push(copyToken(token));
  }
  const tokens = rootTokens.concat(copied, [...buckets], markedTokens).join(' ');
  const counted = rootValues && [...rootValues, ...copied];
  return [{ slot: 0, tokens, ...(counted && { counted }) }, ...elementRows];
}

/**
 * Appends the repeat marker of each token an earlier row of the array holds (`check`: there is an
 * earlier row), then adds the row's tokens to `earlier` (`keep`: a row follows). A resource's rows
 * holding a token, less those holding its marker, are one row per resource: what a count of
 * distinct resources reads (`firstRowsMatch`).
 */
function markRepeats(tokens: string[], earlier: Set<string>, check: boolean, keep: boolean): void {
  const own = tokens.length;
  if (check && earlier.size > 0) {
    let marked: Set<string> | undefined;
    for (let i = 0; i < own; i++) {
      const token = tokens[i];
      if (earlier.has(token) && !marked?.has(token)) {
        (marked ??= new Set()).add(token);
        tokens.push(repeatMarker(token));
      }
    }
  }
  if (keep) {
    for (let i = 0; i < own; i++) {
      earlier.add(tokens[i]);
    }
  }
}

/**
 * The slots of the rows {@link extractTokenRows} yields, without working out their tokens (every
 * leaf value yields at least one token): what a delete needs.
 */
export function tokenRowSlots(
  document: unknown,
  storage: SqlStorage,
  {
    copies = storage.tokenIndex?.copies ?? false,
    oneRow = storage.tokenIndex?.oneRow !== undefined,
  }: TokenRowFormat = {},
): number[] {
  const marked = markedElements(storage);
  const layout = layoutOf(storage);
  const slots: number[] = [];
  const root = layout.root.some((leaf) => leafValues(document, leaf).length > 0);
  let elementTokens = false;
  let base = 1;
  for (const { sample, leaves } of layout.arrays) {
    const elements = elementsOf(document, sample, base);
    elements.forEach((element, pos) => {
      if (leaves.some((leaf) => leafValues(element, leaf).length > 0)) {
        elementTokens = true;
        if (!oneRow || pos >= marked) {
          slots.push(base + pos);
        }
      }
    });
    base += elements.length;
  }
  // Copies: an array row's tokens make a slot-0 row too.
  return root || ((copies || oneRow) && elementTokens) ? [0, ...slots] : slots;
}

/**
 * The counted tokens of a resource's slot-0 row, as {@link extractTokenRows} gives them (`counted`):
 * the value tokens outside arrays, each once, then the copies of the arrays' value tokens, each
 * once; without working out the rows. For a resource that has a slot-0 row.
 */
export function countedTokens(
  document: unknown,
  storage: SqlStorage,
  {
    copies = storage.tokenIndex?.copies ?? false,
    oneRow = storage.tokenIndex?.oneRow !== undefined,
  }: TokenRowFormat = {},
): string[] {
  const layout = layoutOf(storage);
  const root = new Set<string>();
  for (const leaf of layout.root) {
    for (const stored of leafValues(document, leaf)) {
      root.add(valueTokenOf(leaf.pathId, stored));
    }
  }
  if (!copies && !oneRow) {
    return [...root];
  }
  const copied = new Set<string>();
  let base = 1;
  for (const { sample, leaves } of layout.arrays) {
    const elements = elementsOf(document, sample, base);
    for (const element of elements) {
      for (const leaf of leaves) {
        for (const stored of leafValues(element, leaf)) {
          copied.add(copyToken(valueTokenOf(leaf.pathId, stored)));
        }
      }
    }
    base += elements.length;
  }
  return [...root, ...copied];
}

function valueTokenOf(pathId: number, stored: StoredValue): string {
  return stored.kind === 's'
    ? valueToken(pathId, 's', stored.text)
    : valueToken(pathId, stored.kind, stored.num);
}

/** The elements of a first-level array whose rows start at slot `base`. */
function elementsOf(document: unknown, sample: AttributePath, base: number): unknown[] {
  const elements = arrayElements(document, sample);
  if (base + elements.length > SLOTS) {
    throw new TokenIndexLimitException(base - 1 + elements.length);
  }
  return elements;
}

/**
 * Pushes the tokens of a leaf's values to `out` (date-times' buckets at `dateLevels`), and adds
 * their value tokens alone to `valueTokens`.
 */
function pushTokens(
  out: string[],
  { pathId, attribute }: TokenLeaf,
  values: readonly StoredValue[],
  dateLevels: readonly number[],
  valueTokens?: Set<string>,
  bucketSet?: Set<string>,
): void {
  for (const stored of values) {
    let buckets: string[] | undefined;
    if (stored.kind === 's') {
      const token = valueToken(pathId, 's', stored.text);
      out.push(token);
      valueTokens?.add(token);
      // Ranges on an `any` value compare stored strings as strings (typed string paths have none).
      if (attribute.type === 'any') {
        buckets = stringBucketTokens(pathId, stored.text);
      }
    } else {
      const token = valueToken(pathId, stored.kind, stored.num);
      out.push(token);
      valueTokens?.add(token);
      if (stored.kind === 'n') {
        buckets = bucketTokens(pathId, 'n', stored.num);
      } else if (stored.kind === 'd') {
        buckets = bucketTokens(pathId, 'd', stored.num, dateLevels);
      }
    }
    if (buckets) {
      out.push(...buckets);
      if (bucketSet) {
        for (const bucket of buckets) {
          bucketSet.add(bucket);
        }
      }
    }
  }
}

/** Elements per array marked on a resource's one row (`TokenIndexMapping.oneRow`). */
export function markedElements(storage: SqlStorage): number {
  return storage.tokenIndex?.oneRow?.markedElements ?? MARKED_ELEMENTS;
}

const ARRAY_PATHS = new WeakMap<SqlStorage, ReadonlySet<number>>();

/** The path ids of the leaves inside arrays (their value tokens have copies on slot 0). */
export function arrayPathIds(storage: SqlStorage): ReadonlySet<number> {
  let ids = ARRAY_PATHS.get(storage);
  if (!ids) {
    ids = new Set(layoutOf(storage).arrays.flatMap((a) => a.leaves.map((leaf) => leaf.pathId)));
    ARRAY_PATHS.set(storage, ids);
  }
  return ids;
}

/** The row id of a resource's token row. */
export function tokenRowId(seq: number, slot: number): number {
  return seq * SLOTS + slot;
}

const TOKEN_ROOTS = new WeakMap<SqlStorage, ReadonlySet<string>>();

/**
 * The tables' top-level attributes that feed the token index (a PATCH elsewhere leaves it alone):
 * worked out once per storage (every PATCH asks; building the set was ~1.6 % of a PATCH's samples).
 */
export function tokenRoots(storage: SqlStorage): ReadonlySet<string> {
  let roots = TOKEN_ROOTS.get(storage);
  if (!roots) {
    const layout = layoutOf(storage);
    roots = new Set(
      [...layout.root, ...layout.arrays.flatMap((a) => a.leaves)].map(
        (leaf) => leaf.attribute.segments[0],
      ),
    );
    TOKEN_ROOTS.set(storage, roots);
  }
  return roots;
}

/**
 * The FTS5 table of the token index (one `tokens` column, no stored content, no positions), and the
 * count table when the mapping keeps one.
 */
export function tokenIndexDdl(storage: SqlStorage): string[] {
  const mapping = tokenMapping(storage);
  return [
    `CREATE VIRTUAL TABLE ${mapping.table} USING fts5(tokens, content='', contentless_delete=1, ` +
      `detail=none, tokenize='ascii')`,
    ...(mapping.countTable ? [tokenCountDdl(mapping.countTable)] : []),
  ];
}

/** The count table: per counted token that has a row, the number of resources holding it. */
export function tokenCountDdl(table: string): string {
  return `CREATE TABLE ${table} (token TEXT NOT NULL PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID`;
}

/**
 * Statements that write a new resource's token rows (multi-row INSERTs), without the counts
 * ({@link tokenChangeStatements} keeps both).
 */
export function tokenInsertStatements(
  storage: SqlStorage,
  seq: number,
  document: unknown,
  format: TokenRowFormat = {},
): SqlStatement[] {
  return insertRows(storage, seq, extractTokenRows(document, storage, format));
}

/**
 * The statement that deletes every token row of a resource, given its stored document (the rows are
 * exactly those its document yields), without the counts ({@link tokenChangeStatements} keeps both). By row id, one point lookup each: FTS5 answers a row-id range
 * without MATCH by walking the whole index (3 s at a million resources), a list of ids by seeking.
 */
export function tokenDeleteStatements(
  storage: SqlStorage,
  seq: number,
  document: unknown,
): SqlStatement[] {
  const slots = tokenRowSlots(document, storage);
  if (slots.length === 0) {
    return [];
  }
  return [
    {
      sql: `DELETE FROM ${tokenMapping(storage).table} WHERE rowid IN (${slots.map(() => '?').join(', ')})`,
      params: slots.map((slot) => tokenRowId(seq, slot)),
    },
  ];
}

/** A change to one row of the token index: its new tokens, or `undefined` to delete the row. */
export interface TokenRowChange {
  readonly rowid: number;
  readonly tokens: string | undefined;
  /**
   * When the mapping keeps counts, on a slot-0 row: the counted tokens of the row deleted (each
   * one resource fewer) or inserted (one more).
   */
  readonly counted?: readonly string[];
}

/**
 * The row changes that bring a resource's token rows from `before` to `after` (either undefined: an
 * insert or a delete), touching only the rows that differ; a changed row is a delete and an insert.
 * With `changedRoots` (the top-level attributes that changed), nothing is extracted when none of
 * them feeds the token index.
 */
export function tokenRowChanges(
  storage: SqlStorage,
  seq: number,
  before: unknown,
  after: unknown,
  changedRoots?: readonly string[],
): TokenRowChange[] {
  if (changedRoots && before !== undefined && after !== undefined) {
    const roots = tokenRoots(storage);
    if (!changedRoots.some((root) => roots.has(root))) {
      return [];
    }
  }
  if (after === undefined) {
    // A delete needs the rows' slots only, and with counts the slot-0 row's counted tokens: none of
    // the bucket tokens, repeat markers or row texts.
    if (before === undefined) {
      return [];
    }
    const slots = tokenRowSlots(before, storage);
    const counted =
      slots[0] === 0 && storage.tokenIndex?.countTable !== undefined
        ? countedTokens(before, storage)
        : undefined;
    return slots.map((slot) => {
      const change = { rowid: tokenRowId(seq, slot), tokens: undefined };
      return slot === 0 && counted ? { ...change, counted } : change;
    });
  }
  const previous = new Map(
    before === undefined ? [] : extractTokenRows(before, storage).map((row) => [row.slot, row]),
  );
  const fresh: TokenRow[] = [];
  for (const row of after === undefined ? [] : extractTokenRows(after, storage)) {
    if (previous.get(row.slot)?.tokens === row.tokens) {
      previous.delete(row.slot);
    } else {
      fresh.push(row);
    }
  }
  // Left in `previous`: rows that changed or are gone.
  return [
    ...[...previous.values()].map((row) => rowChange(seq, row, false)),
    ...fresh.map((row) => rowChange(seq, row, true)),
  ];
}

function rowChange(seq: number, row: TokenRow, insert: boolean): TokenRowChange {
  const change = { rowid: tokenRowId(seq, row.slot), tokens: insert ? row.tokens : undefined };
  return row.counted ? { ...change, counted: row.counted } : change;
}

/** Rows per statement of {@link tokenChangeStatements} (2 parameters each, of SQLite's 32,766). */
const CHANGE_BATCH = 4000;

/**
 * The statements that apply many resources' row changes at once (a write group's), netted per row:
 * one DELETE of every row that existed before the first change, then one INSERT of every row that
 * exists after the last, in row-id order. With a count table, first one UPDATE of the counts' net
 * changes. FTS5 keeps inserted rows in memory and writes them out as
 * a segment when something makes it flush: COMMIT, a statement that opens a statement savepoint
 * (a multi-row INSERT or a DELETE flushes what came before it), a unit's SAVEPOINT, or a row id
 * lower than the last one inserted. Written this way, a group's rows become one segment instead of
 * one per unit. `keptCounts`: the tokens the count table has rows for, when known exactly (the
 * UPDATE then names only those).
 */
export function tokenChangeStatements(
  storage: SqlStorage,
  changes: readonly TokenRowChange[],
  keptCounts?: ReadonlySet<string>,
): SqlStatement[] {
  const { table } = tokenMapping(storage);
  // Per row: whether it existed before (its first change deletes it) and its final tokens.
  const rows = new Map<number, { existed: boolean; tokens: string | undefined }>();
  for (const change of changes) {
    const row = rows.get(change.rowid);
    if (row) {
      row.tokens = change.tokens;
    } else {
      rows.set(change.rowid, { existed: change.tokens === undefined, tokens: change.tokens });
    }
  }
  const deleted: number[] = [];
  const inserted: [number, string][] = [];
  for (const [rowid, row] of rows) {
    if (row.existed) {
      deleted.push(rowid);
    }
    if (row.tokens !== undefined) {
      inserted.push([rowid, row.tokens]);
    }
  }
  inserted.sort(([a], [b]) => a - b);
  const statements = countChangeStatements(storage, changes, keptCounts);
  for (let start = 0; start < deleted.length; start += CHANGE_BATCH) {
    const batch = deleted.slice(start, start + CHANGE_BATCH);
    statements.push({
      sql: `DELETE FROM ${table} WHERE rowid IN (${batch.map(() => '?').join(', ')})`,
      params: batch,
    });
  }
  for (let start = 0; start < inserted.length; start += CHANGE_BATCH) {
    const batch = inserted.slice(start, start + CHANGE_BATCH);
    statements.push({
      sql: `INSERT INTO ${table} (rowid, tokens) VALUES ${batch.map(() => '(?, ?)').join(', ')}`,
      params: batch.flat(),
    });
  }
  return statements;
}

/**
 * The count table's changes for row changes: per token, the net number of resources that gained it,
 * added to the tokens that have a row (one UPDATE of the table's rows among the group's tokens). A
 * token without a row is counted from its slot-0 rows when asked (see `tokenCountStatement`): only
 * common tokens have rows, so a write never inserts into the table at a random place. `keptCounts`:
 * the tokens the table has rows for, when the caller knows them exactly (read in the same
 * transaction, or kept in step with it): only those are named, instead of every counted token of
 * the group (~33 per resource, most without a row).
 */
function countChangeStatements(
  storage: SqlStorage,
  changes: readonly TokenRowChange[],
  keptCounts: ReadonlySet<string> | undefined,
): SqlStatement[] {
  const table = storage.tokenIndex?.countTable;
  if (!table || keptCounts?.size === 0) {
    return [];
  }
  const deltas = new Map<string, number>();
  for (const { counted, tokens } of changes) {
    if (counted) {
      const step = tokens === undefined ? -1 : 1;
      for (const token of counted) {
        if (keptCounts === undefined || keptCounts.has(token)) {
          deltas.set(token, (deltas.get(token) ?? 0) + step);
        }
      }
    }
  }
  const changed = [...deltas].filter(([, delta]) => delta !== 0);
  const statements: SqlStatement[] = [];
  for (let start = 0; start < changed.length; start += CHANGE_BATCH) {
    const batch = changed.slice(start, start + CHANGE_BATCH);
    statements.push({
      sql:
        `UPDATE ${table} SET n = n + d.column2 FROM (VALUES ${batch.map(() => '(?, ?)').join(', ')}) d` +
        ` WHERE ${table}.token = d.column1`,
      params: batch.flat(),
    });
  }
  return statements;
}

/**
 * Gives `token` (a counted token: a value token outside arrays, or a copy) a row in the count table,
 * counted from its slot-0 rows in the same transaction; from then on every write keeps it. No change
 * (and no counting) when it has one. For tokens many resources hold: the migration gives a row to
 * each token held by at least {@link COUNTED_MIN} resources, and a token found that common later
 * when a list counts it gets one then. Run it where the writes are serialized (SQLite's one write
 * connection): a write group's token rows are written at its end, after its count deltas are known,
 * so a row counted inside the group is counted before them and they are added to it.
 */
export function tokenCountRowStatement(storage: SqlStorage, token: string): SqlStatement {
  const mapping = tokenMapping(storage);
  if (!mapping.countTable) {
    throw new Error(`The token index of '${storage.table}' keeps no counts`);
  }
  return {
    sql:
      `INSERT INTO ${mapping.countTable} (token, n) SELECT ?, COUNT(*) FROM ${mapping.table}` +
      ` WHERE ${mapping.table} MATCH ?` +
      ` AND NOT EXISTS (SELECT 1 FROM ${mapping.countTable} WHERE token = ?)` +
      ` ON CONFLICT (token) DO NOTHING`,
    params: [token, `"${token}"`, token],
  };
}

/**
 * The tokens held by at least this many resources get a row in the count table when it is built:
 * counting a token's slot-0 rows costs about 50 ns a row, so below it the count table saves little,
 * and every row it holds costs each write holding the token a lookup.
 */
export const COUNTED_MIN = 1000;

const INSERT_BATCH = 100;

function insertRows(storage: SqlStorage, seq: number, rows: readonly TokenRow[]): SqlStatement[] {
  const { table } = tokenMapping(storage);
  const statements: SqlStatement[] = [];
  for (let start = 0; start < rows.length; start += INSERT_BATCH) {
    const batch = rows.slice(start, start + INSERT_BATCH);
    statements.push({
      sql: `INSERT INTO ${table} (rowid, tokens) VALUES ${batch.map(() => '(?, ?)').join(', ')}`,
      params: batch.flatMap((row) => [tokenRowId(seq, row.slot), row.tokens]),
    });
  }
  return statements;
}

function tokenMapping(storage: SqlStorage): TokenIndexMapping {
  if (!storage.tokenIndex) {
    throw new Error(`Storage of '${storage.table}' has no token index`);
  }
  return storage.tokenIndex;
}
