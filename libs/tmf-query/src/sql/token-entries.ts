import { AppException, ErrorKind } from '@app/tmf-common/core';
import { arrayElements, elementValues, valuesAt } from '@app/tmf-query/memory';
import { AttributePath } from '@app/tmf-query/schema';
import { StoredValue } from '@app/tmf-query/values';

import { indexPathId } from './index-encoding';
import { SqlStatement } from './index-entries';
import { isStoredOutsideIndex, SqlStorage, TokenIndexMapping } from './storage';
import { bucketTokens, repeatMarker, stringBucketTokens, valueToken } from './token-encoding';

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
}

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
      const leaf = { attribute, pathId: indexPathId(attribute.path) };
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
 * The token rows of a resource document: a value token per leaf value of every path outside the
 * typed columns, plus bucket tokens for numbers, date-times and the strings of `any` values. Values are reduced exactly as the
 * evaluator reduces them (wrong JSON types and unparseable date-times yield nothing). Rows without
 * tokens are left out.
 *
 * @throws TokenIndexLimitException when the arrays hold more elements than there are slots
 */
export function extractTokenRows(
  document: unknown,
  storage: SqlStorage,
  { repeats = true }: { repeats?: boolean } = {},
): TokenRow[] {
  const layout = layoutOf(storage);
  const rows: TokenRow[] = [];
  const rootTokens: string[] = [];
  for (const leaf of layout.root) {
    pushTokens(rootTokens, leaf, valuesAt(document, leaf.attribute));
  }
  if (rootTokens.length > 0) {
    rows.push({ slot: 0, tokens: rootTokens.join(' ') });
  }
  let base = 1;
  for (const { sample, leaves } of layout.arrays) {
    const elements = elementsOf(document, sample, base);
    // The tokens of this array's earlier rows (a path belongs to one array: no other row shares them).
    const earlier = new Set<string>();
    elements.forEach((element, pos) => {
      const tokens: string[] = [];
      for (const leaf of leaves) {
        pushTokens(tokens, leaf, elementValues(element, leaf.attribute));
      }
      if (tokens.length > 0) {
        if (repeats) {
          markRepeats(tokens, earlier);
        }
        rows.push({ slot: base + pos, tokens: tokens.join(' ') });
      }
    });
    base += elements.length;
  }
  return rows;
}

/**
 * Appends the repeat marker of each token an earlier row of the array holds, then adds the row's
 * tokens to `earlier`. A resource's rows holding a token, less those holding its marker, are one
 * row per resource: what a count of distinct resources reads (`firstRowsMatch`).
 */
function markRepeats(tokens: string[], earlier: Set<string>): void {
  const own = tokens.length;
  let marked: Set<string> | undefined;
  for (let i = 0; i < own; i++) {
    const token = tokens[i];
    if (earlier.has(token) && !marked?.has(token)) {
      (marked ??= new Set()).add(token);
      tokens.push(repeatMarker(token));
    }
  }
  for (let i = 0; i < own; i++) {
    earlier.add(tokens[i]);
  }
}

/**
 * The slots of the rows {@link extractTokenRows} yields, without working out their tokens (every
 * leaf value yields at least one token): what a delete needs.
 */
export function tokenRowSlots(document: unknown, storage: SqlStorage): number[] {
  const layout = layoutOf(storage);
  const slots: number[] = [];
  if (layout.root.some((leaf) => valuesAt(document, leaf.attribute).length > 0)) {
    slots.push(0);
  }
  let base = 1;
  for (const { sample, leaves } of layout.arrays) {
    const elements = elementsOf(document, sample, base);
    elements.forEach((element, pos) => {
      if (leaves.some((leaf) => elementValues(element, leaf.attribute).length > 0)) {
        slots.push(base + pos);
      }
    });
    base += elements.length;
  }
  return slots;
}

/** The elements of a first-level array whose rows start at slot `base`. */
function elementsOf(document: unknown, sample: AttributePath, base: number): unknown[] {
  const elements = arrayElements(document, sample);
  if (base + elements.length > SLOTS) {
    throw new TokenIndexLimitException(base - 1 + elements.length);
  }
  return elements;
}

function pushTokens(out: string[], { pathId, attribute }: TokenLeaf, values: StoredValue[]): void {
  for (const stored of values) {
    if (stored.kind === 's') {
      out.push(valueToken(pathId, 's', stored.text));
      // Ranges on an `any` value compare stored strings as strings (typed string paths have none).
      if (attribute.type === 'any') {
        out.push(...stringBucketTokens(pathId, stored.text));
      }
      continue;
    }
    out.push(valueToken(pathId, stored.kind, stored.num));
    if (stored.kind === 'n' || stored.kind === 'd') {
      out.push(...bucketTokens(pathId, stored.kind, stored.num));
    }
  }
}

/** The row id of a resource's token row. */
export function tokenRowId(seq: number, slot: number): number {
  return seq * SLOTS + slot;
}

/** The tables' top-level attributes that feed the token index (a PATCH elsewhere leaves it alone). */
export function tokenRoots(storage: SqlStorage): ReadonlySet<string> {
  const layout = layoutOf(storage);
  return new Set(
    [...layout.root, ...layout.arrays.flatMap((a) => a.leaves)].map(
      (leaf) => leaf.attribute.segments[0],
    ),
  );
}

/** The FTS5 table of the token index (one `tokens` column, no stored content, no positions). */
export function tokenIndexDdl(storage: SqlStorage): string[] {
  const mapping = tokenMapping(storage);
  return [
    `CREATE VIRTUAL TABLE ${mapping.table} USING fts5(tokens, content='', contentless_delete=1, ` +
      `detail=none, tokenize='ascii')`,
  ];
}

/** Statements that write a new resource's token rows (multi-row INSERTs). */
export function tokenInsertStatements(
  storage: SqlStorage,
  seq: number,
  document: unknown,
): SqlStatement[] {
  return insertRows(storage, seq, extractTokenRows(document, storage));
}

/**
 * The statement that deletes every token row of a resource, given its stored document (the rows are
 * exactly those its document yields). By row id, one point lookup each: FTS5 answers a row-id range
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
    // A delete needs the rows' slots only.
    return before === undefined
      ? []
      : tokenRowSlots(before, storage).map((slot) => ({
          rowid: tokenRowId(seq, slot),
          tokens: undefined,
        }));
  }
  const previous = new Map(
    before === undefined
      ? []
      : extractTokenRows(before, storage).map((row) => [row.slot, row.tokens]),
  );
  const fresh: TokenRow[] = [];
  for (const row of extractTokenRows(after, storage)) {
    if (previous.get(row.slot) === row.tokens) {
      previous.delete(row.slot);
    } else {
      fresh.push(row);
    }
  }
  // Left in `previous`: rows that changed or are gone.
  return [
    ...[...previous.keys()].map((slot) => ({ rowid: tokenRowId(seq, slot), tokens: undefined })),
    ...fresh.map((row) => ({ rowid: tokenRowId(seq, row.slot), tokens: row.tokens })),
  ];
}

/** Rows per statement of {@link tokenChangeStatements} (2 parameters each, of SQLite's 32,766). */
const CHANGE_BATCH = 4000;

/**
 * The statements that apply many resources' row changes at once (a write group's), netted per row:
 * one DELETE of every row that existed before the first change, then one INSERT of every row that
 * exists after the last, in row-id order. FTS5 keeps inserted rows in memory and writes them out as
 * a segment when something makes it flush: COMMIT, a statement that opens a statement savepoint
 * (a multi-row INSERT or a DELETE flushes what came before it), a unit's SAVEPOINT, or a row id
 * lower than the last one inserted. Written this way, a group's rows become one segment instead of
 * one per unit.
 */
export function tokenChangeStatements(
  storage: SqlStorage,
  changes: readonly TokenRowChange[],
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
  const statements: SqlStatement[] = [];
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
