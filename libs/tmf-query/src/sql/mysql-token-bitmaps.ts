import { SqlStatement } from './index-entries';
import { EPOCH_BITS, epochOf } from './mysql-token-entries';
import { epochSet, EpochSet, epochSetBytes, SeqIntersection } from './seq-sets';
import { MysqlTokenMapping, SqlStorage } from './storage';

/** A `(token, v)` of the token table (`v` as decimal text). */
export interface TokenKey {
  readonly token: number;
  readonly v: string;
}

/** Runs a read statement (the caller's connection). */
export type BitmapRead = <R>(statement: SqlStatement) => Promise<R[]>;

/** What a filter of several kept keys reads from memory instead of joining their rows. */
export interface KeptIntersection {
  readonly matches: SeqIntersection;
  /** `MAX(seq)` in the read's snapshot. */
  readonly maxSeq: number;
  /** Whether deleted customers' rows wait for the sweep. */
  readonly dead: boolean;
}

/** The source of {@link KeptIntersection}s that `compileMysqlSql` asks (a server's cache). */
export interface KeptIntersections {
  /** Whether every key is kept (its bitmaps may be held): a cheap test before any read. */
  serves(keys: readonly TokenKey[]): boolean;
  /** The live customers holding every key. */
  intersect(keys: readonly TokenKey[], read: BitmapRead): Promise<KeptIntersection>;
}

/** One epoch of one key: its set and the epoch's counter it was read at (one statement). */
interface EpochSlot {
  readonly set: EpochSet | undefined;
  readonly version: number;
}

interface KeyEntry {
  readonly epochs: (EpochSlot | undefined)[];
  bytes: number;
}

/** Per held epoch slot, beyond its set: the slot object and its place in the array. */
const SLOT_BYTES = 48;

/** Default bound of the bytes held: ~8 MB hold the 725–807 kept keys of 1,000,000 customers. */
export const DEFAULT_BITMAP_BYTES = 64 * 1024 * 1024;

/**
 * MySQL/MariaDB: the token table's rows of kept keys held in memory as sets of seqs per epoch
 * (ADR 0008, "Kept keys' bitmaps"), each epoch with the change counter it was read at
 * (`mysql-token-epochs.ts`). A request reads `MAX(seq)`, the dead seqs and every epoch's counter
 * in one statement, reads again the epochs of its keys whose counter moved (or that it never
 * held: a key's first use reads all of them), with their counters, in a second one, and ANDs the
 * sets in memory: the popcount less the dead is the exact count. Keys least recently used are
 * dropped beyond `maxBytes`. Replicas may serve any statement: a slot's rows and counter come from
 * one statement (one snapshot), and a counter only grows along the history that every replica
 * applies, so an equal counter is an equal set of rows.
 */
export class MysqlTokenBitmaps implements KeptIntersections {
  private readonly mapping: MysqlTokenMapping & { epochTable: string };
  /** Least recently used first (a Map keeps insertion order; a use moves the key last). */
  private readonly keys = new Map<string, KeyEntry>();
  private bytes = 0;

  constructor(
    private readonly storage: SqlStorage,
    /** The kept keys (`token:v`), undefined while unknown (then nothing is served). */
    private readonly kept: () => ReadonlySet<string> | undefined,
    private readonly maxBytes = DEFAULT_BITMAP_BYTES,
  ) {
    const mapping = storage.mysqlTokenIndex;
    if (!mapping?.epochTable) {
      throw new Error(`Storage of '${storage.table}' keeps no token epoch counters`);
    }
    this.mapping = mapping as MysqlTokenMapping & { epochTable: string };
  }

  /** Bytes held now (sets and slots). */
  get heldBytes(): number {
    return this.bytes;
  }

  serves(keys: readonly TokenKey[]): boolean {
    const kept = this.kept();
    return kept !== undefined && keys.length > 1 && keys.every((k) => kept.has(keyName(k)));
  }

  async intersect(keys: readonly TokenKey[], read: BitmapRead): Promise<KeptIntersection> {
    const { table, deadTable, seqColumn, epochTable } = this.mapping;
    // One statement, one snapshot: the newest seq, the dead ones and every epoch's counter.
    const state = await read<{ k: number | string; a: number | string | null; b: unknown }>({
      sql:
        `SELECT 0 AS k, (SELECT MAX(${seqColumn}) FROM ${this.storage.table}) AS a, NULL AS b ` +
        `UNION ALL SELECT 1, seq, NULL FROM ${deadTable} ` +
        `UNION ALL SELECT 2, epoch, SUM(n) FROM ${epochTable} ` +
        `WHERE epoch <= (SELECT COALESCE(MAX(${seqColumn}), 0) FROM ${this.storage.table}) >> ${EPOCH_BITS} GROUP BY epoch`,
      params: [],
    });
    let maxSeq = 0;
    const dead = new Set<number>();
    const counters = new Map<number, number>();
    for (const row of state) {
      const k = Number(row.k);
      if (k === 0) {
        maxSeq = Number(row.a ?? 0);
      } else if (k === 1) {
        dead.add(Number(row.a));
      } else {
        counters.set(Number(row.a), Number(row.b));
      }
    }
    const epochs = maxSeq === 0 ? 0 : epochOf(maxSeq) + 1;
    const names = keys.map(keyName);
    const entries = names.map((name) => this.entry(name));
    // Per key, the epochs to read: never held, or held at another counter.
    const stale = entries.map((entry) => {
      const out: number[] = [];
      for (let e = 0; e < epochs; e++) {
        const slot = entry.epochs[e];
        if (!slot || slot.version !== (counters.get(e) ?? 0)) {
          out.push(e);
        }
      }
      return out;
    });
    if (stale.some((list) => list.length > 0)) {
      const all = [...new Set(stale.flat())].sort((a, b) => a - b);
      const params: (number | string)[] = [];
      const parts = [
        `SELECT -1 AS k, epoch AS e, SUM(n) AS s FROM ${epochTable} WHERE epoch IN (${all.join(', ')}) GROUP BY epoch`,
      ];
      stale.forEach((list, i) => {
        if (list.length > 0) {
          parts.push(
            `SELECT ${i}, epoch, seq FROM ${table} WHERE epoch IN (${list.join(', ')}) AND token = ? AND v = ?`,
          );
          params.push(keys[i].token, keys[i].v);
        }
      });
      const rows = await read<{ k: number | string; e: number | string; s: number | string }>({
        sql: parts.join(' UNION ALL '),
        params,
      });
      const read_ = new Map<number, number>();
      const offsets = stale.map(() => new Map<number, number[]>());
      const size = 2 ** EPOCH_BITS;
      for (const row of rows) {
        const k = Number(row.k);
        const e = Number(row.e);
        if (k < 0) {
          read_.set(e, Number(row.s));
        } else {
          const list = offsets[k].get(e) ?? [];
          list.push(Number(row.s) % size);
          offsets[k].set(e, list);
        }
      }
      stale.forEach((list, i) => {
        const entry = entries[i];
        for (const e of list) {
          const found = offsets[i].get(e);
          const set = found ? epochSet(found, EPOCH_BITS) : undefined;
          const before = entry.epochs[e];
          const bytes = (set ? epochSetBytes(set) : 0) + SLOT_BYTES;
          const freed = before ? (before.set ? epochSetBytes(before.set) : 0) + SLOT_BYTES : 0;
          entry.epochs[e] = { set, version: read_.get(e) ?? 0 };
          entry.bytes += bytes - freed;
          this.bytes += bytes - freed;
        }
      });
    }
    const matches = new SeqIntersection(
      entries.map((entry) => entry.epochs.map((slot) => slot?.set)),
      epochs,
      EPOCH_BITS,
      dead,
    );
    this.evict(new Set(names));
    return { matches, maxSeq, dead: dead.size > 0 };
  }

  /** The key's entry, made the most recently used (created empty on first use). */
  private entry(name: string): KeyEntry {
    const entry = this.keys.get(name) ?? { epochs: [], bytes: 0 };
    this.keys.delete(name);
    this.keys.set(name, entry);
    return entry;
  }

  /** Drops the least recently used keys beyond the bound, but those in use. */
  private evict(inUse: ReadonlySet<string>): void {
    for (const [name, entry] of this.keys) {
      if (this.bytes <= this.maxBytes) {
        return;
      }
      if (!inUse.has(name)) {
        this.keys.delete(name);
        this.bytes -= entry.bytes;
      }
    }
    // Over the bound with only the keys in use: they are not kept either.
    for (const name of inUse) {
      const entry = this.keys.get(name);
      if (this.bytes > this.maxBytes && entry) {
        this.keys.delete(name);
        this.bytes -= entry.bytes;
      }
    }
  }
}

function keyName(key: TokenKey): string {
  return `${key.token}:${key.v}`;
}

/** Over this many rows of `(id, seq)` below the page's last id, the page is not built from them. */
const RANGE_CAP = 5000;

/**
 * The seqs among which the first `rows` matches in ascending id order lie (an offset page's
 * `offset + limit`), read without sending every match: the ids of the first `2 × rows` matches in
 * seq order; X, the `rows`-th smallest of those ids; then the `(id, seq)` entries with an id below
 * X and a seq beyond those matches (one range of the narrow index, ~no rows while ids grow with
 * seq, as server-made UUIDv7 ids do), kept when they match. Exact: a match with an id below X is
 * among the first ones or in the range. Undefined when the range holds more than
 * {@link RANGE_CAP} rows or customers went away meanwhile (the caller takes another plan).
 */
export async function firstByIdSeqs(
  storage: SqlStorage,
  matches: SeqIntersection,
  rows: number,
  read: BitmapRead,
): Promise<number[] | undefined> {
  const mapping = storage.mysqlTokenIndex!;
  const first = matches.first(2 * rows);
  if (first.length <= rows) {
    return first;
  }
  const seq = mapping.seqColumn;
  const id = storage.idColumn;
  const [x] = await read<{ id: string }>({
    sql: `SELECT ${id} AS id FROM ${storage.table} WHERE ${seq} IN (${first.join(', ')}) ORDER BY ${id} LIMIT 1 OFFSET ${rows - 1}`,
    params: [],
  });
  if (!x || !mapping.idSeqIndex) {
    return undefined;
  }
  const below = await read<{ seq: number | string }>({
    sql:
      `SELECT ${seq} AS seq FROM ${storage.table} FORCE INDEX (${mapping.idSeqIndex}) ` +
      `WHERE ${id} < ? AND ${seq} > ? LIMIT ${RANGE_CAP + 1}`,
    params: [x.id, first[first.length - 1]],
  });
  if (below.length > RANGE_CAP) {
    return undefined;
  }
  return [...first, ...below.map((r) => Number(r.seq)).filter((s) => matches.has(s))];
}
