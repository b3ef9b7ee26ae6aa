import { SqlStatement } from './index-entries';
import { EPOCH_BITS, epochOf } from './mysql-token-entries';
import { TokenRange } from './mysql-token-filter';
import {
  keyHalves,
  OrderedSlot,
  orderedRange,
  orderedSlotBytes,
  orderedSlotOf,
  orderedSlotStatement,
} from './mysql-token-ranges';
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
  /**
   * Whether a filter of kept keys (`keys`, possibly none) and ranges of ordered tokens (`ranges`,
   * at least one) is served: a cheap test before any read.
   */
  servesRanges?(keys: readonly TokenKey[], ranges: readonly TokenRange[]): boolean;
  /** The live customers holding every key and a row in every range. */
  intersect(
    keys: readonly TokenKey[],
    read: BitmapRead,
    ranges?: readonly TokenRange[],
  ): Promise<KeptIntersection>;
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

/** An ordered token's rows held per epoch, filled in the background (`refresh`). */
interface OrderedEntry {
  readonly slots: (OrderedSlot | undefined)[];
  bytes: number;
  /** The background read under way, if any (one at a time per token). */
  refreshing?: Promise<void>;
  /** When each epoch was last read in the background (ms), to bound re-reads under writes. */
  readonly readAt: Map<number, number>;
}

/** Per held epoch slot, beyond its set: the slot object and its place in the array. */
const SLOT_BYTES = 48;

/** Default bound of the bytes held: ~8 MB hold the 725–807 kept keys of 1,000,000 customers. */
export const DEFAULT_BITMAP_BYTES = 64 * 1024 * 1024;

/**
 * An epoch of an ordered token is read again in the background at most this often (ms): under
 * writes its newest epochs move all the time, and a request answers moved epochs from SQL anyway.
 */
const REFRESH_EVERY_MS = 1000;

/** An ordered token whose rows would take more than this share of the bound is not held. */
const ORDERED_SHARE = 0.5;

/** How long a token found too large to hold is not tried again (ms). */
const TOO_LARGE_MS = 10 * 60 * 1000;

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
  private readonly keys = new Map<string, KeyEntry | OrderedEntry>();
  private bytes = 0;
  /** Ordered tokens found too large to hold, and when. */
  private readonly tooLarge = new Map<number, number>();

  constructor(
    private readonly storage: SqlStorage,
    /** The kept keys (`token:v`), undefined while unknown (then nothing is served). */
    private readonly kept: () => ReadonlySet<string> | undefined,
    private readonly maxBytes = DEFAULT_BITMAP_BYTES,
    /**
     * Reads ordered tokens' rows in the background, on a connection of its own (none: ranges are
     * not served).
     */
    private readonly background?: BitmapRead,
    /** How often an epoch of an ordered token may be read again in the background (ms). */
    private readonly refreshEveryMs = REFRESH_EVERY_MS,
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

  /** Settles when no background read is under way (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.keys.values()]
        .map((entry) => ('slots' in entry ? entry.refreshing : undefined))
        .filter((p): p is Promise<void> => p !== undefined);
      if (busy.length === 0) {
        return;
      }
      await Promise.all(busy);
    }
  }

  serves(keys: readonly TokenKey[]): boolean {
    const kept = this.kept();
    return kept !== undefined && keys.length > 1 && keys.every((k) => kept.has(keyName(k)));
  }

  servesRanges(keys: readonly TokenKey[], ranges: readonly TokenRange[]): boolean {
    const kept = this.kept();
    return (
      this.background !== undefined &&
      kept !== undefined &&
      ranges.length > 0 &&
      ranges.every((r) => r.from !== r.to) &&
      keys.every((k) => kept.has(keyName(k)))
    );
  }

  async intersect(
    keys: readonly TokenKey[],
    read: BitmapRead,
    ranges: readonly TokenRange[] = [],
  ): Promise<KeptIntersection> {
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
    const ordered = ranges.map((r) => this.ordered(r.token));
    // Per key, the epochs to read: never held, or held at another counter.
    const stale = entries.map((entry) => epochsBehind(entry.epochs, epochs, counters));
    // Per range, the epochs its token's held rows do not answer at this snapshot: this request
    // reads the range's seqs there; the background reads the token's rows there for later ones.
    const unheld = ordered.map((entry) => epochsBehind(entry?.slots ?? [], epochs, counters));
    // The held slots as of this snapshot's counters: a background read may replace one while the
    // request waits for its second statement, and the count and page must be of one state.
    const heldSlots = ordered.map((entry) => entry?.slots.slice(0, epochs));
    const rangeRows = ranges.map(() => new Map<number, number[]>());
    if (stale.some((list) => list.length > 0) || unheld.some((list) => list.length > 0)) {
      const all = [...new Set(stale.flat())].sort((a, b) => a - b);
      const params: (number | string)[] = [];
      const parts =
        all.length > 0
          ? [
              `SELECT -1 AS k, epoch AS e, SUM(n) AS s FROM ${epochTable} WHERE epoch IN (${all.join(', ')}) GROUP BY epoch`,
            ]
          : [];
      stale.forEach((list, i) => {
        if (list.length > 0) {
          parts.push(
            `SELECT ${i} AS k, epoch AS e, seq AS s FROM ${table} WHERE epoch IN (${list.join(', ')}) AND token = ? AND v = ?`,
          );
          params.push(keys[i].token, keys[i].v);
        }
      });
      unheld.forEach((list, i) => {
        if (list.length > 0) {
          parts.push(
            `SELECT ${keys.length + i} AS k, epoch AS e, seq AS s FROM ${table} WHERE epoch IN (${list.join(', ')}) AND token = ? AND v BETWEEN ? AND ?`,
          );
          params.push(ranges[i].token, ranges[i].from, ranges[i].to);
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
        const into = k < 0 ? undefined : k < keys.length ? offsets[k] : rangeRows[k - keys.length];
        if (!into) {
          read_.set(e, Number(row.s));
        } else {
          const list = into.get(e) ?? [];
          list.push(Number(row.s) % size);
          into.set(e, list);
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
    const rangeSets = ranges.map((r, i) => {
      const from = keyHalves(r.from);
      const to = keyHalves(r.to);
      const sets: (EpochSet | undefined)[] = [];
      const missing = new Set(unheld[i]);
      for (let e = 0; e < epochs; e++) {
        const slot = heldSlots[i]?.[e];
        if (missing.has(e)) {
          const found = rangeRows[i].get(e);
          sets.push(found ? epochSet(found, EPOCH_BITS) : undefined);
        } else {
          sets.push(slot ? orderedRange(slot, from, to) : undefined);
        }
      }
      return sets;
    });
    const matches = new SeqIntersection(
      [...entries.map((entry) => entry.epochs.map((slot) => slot?.set)), ...rangeSets],
      epochs,
      EPOCH_BITS,
      dead,
    );
    const inUse = new Set([...names, ...ranges.map((r) => orderedName(r.token))]);
    this.evict(inUse);
    ranges.forEach((r, i) => this.refresh(r.token, unheld[i], counters));
    return { matches, maxSeq, dead: dead.size > 0 };
  }

  /** The key's entry, made the most recently used (created empty on first use). */
  private entry(name: string): KeyEntry {
    const entry = (this.keys.get(name) as KeyEntry | undefined) ?? { epochs: [], bytes: 0 };
    this.keys.delete(name);
    this.keys.set(name, entry);
    return entry;
  }

  /** The ordered token's entry, made the most recently used, when held (being filled or not). */
  private ordered(token: number): OrderedEntry | undefined {
    const name = orderedName(token);
    const entry = this.keys.get(name) as OrderedEntry | undefined;
    if (entry) {
      this.keys.delete(name);
      this.keys.set(name, entry);
    }
    return entry;
  }

  /**
   * Reads, in the background, the token's rows of the epochs a request could not answer from
   * memory, one epoch per statement with its counter: the first use of a token fills it epoch by
   * epoch while requests are answered from SQL; later, the epochs that writes moved, each at most
   * every {@link REFRESH_EVERY_MS}. One read at a time per token; a failed read leaves the epoch
   * unheld (answered from SQL).
   */
  private refresh(token: number, epochs: readonly number[], counters: Map<number, number>): void {
    const name = orderedName(token);
    const blocked = this.tooLarge.get(token);
    if (
      epochs.length === 0 ||
      !this.background ||
      (blocked && Date.now() - blocked < TOO_LARGE_MS)
    ) {
      return;
    }
    let entry = this.keys.get(name) as OrderedEntry | undefined;
    if (!entry) {
      entry = { slots: [], bytes: 0, readAt: new Map() };
      this.keys.set(name, entry);
    }
    if (entry.refreshing) {
      return;
    }
    const now = Date.now();
    const due = epochs.filter(
      (e) => now - (entry.readAt.get(e) ?? -Infinity) >= this.refreshEveryMs,
    );
    if (due.length === 0) {
      return;
    }
    const held = entry;
    const total = counters.size;
    const work = async () => {
      for (const e of due) {
        if (this.keys.get(name) !== held) {
          return; // evicted meanwhile
        }
        const rows = await this.background!<Parameters<typeof orderedSlotOf>[0][number]>(
          orderedSlotStatement(this.mapping, token, e),
        );
        held.readAt.set(e, Date.now());
        const slot = orderedSlotOf(rows);
        const before = held.slots[e];
        // Counters only grow: an older read than the slot held is dropped.
        if (this.keys.get(name) !== held || (before && before.version > slot.version)) {
          continue;
        }
        const bytes = orderedSlotBytes(slot) - (before ? orderedSlotBytes(before) : 0);
        held.slots[e] = slot;
        held.bytes += bytes;
        this.bytes += bytes;
        const filled = held.slots.filter(Boolean).length;
        if ((held.bytes / filled) * Math.max(total, filled) > ORDERED_SHARE * this.maxBytes) {
          this.tooLarge.set(token, Date.now());
          this.drop(name);
          return;
        }
        this.evict(new Set([name]));
      }
    };
    held.refreshing = work()
      .catch(() => undefined)
      .finally(() => {
        held.refreshing = undefined;
      });
  }

  private drop(name: string): void {
    const entry = this.keys.get(name);
    if (entry) {
      this.keys.delete(name);
      this.bytes -= entry.bytes;
    }
  }

  /** Drops the least recently used keys beyond the bound, but those in use. */
  private evict(inUse: ReadonlySet<string>): void {
    for (const name of [...this.keys.keys()]) {
      if (this.bytes <= this.maxBytes) {
        return;
      }
      if (!inUse.has(name)) {
        this.drop(name);
      }
    }
    // Over the bound with only the keys in use: they are not kept either.
    for (const name of inUse) {
      if (this.bytes > this.maxBytes) {
        this.drop(name);
      }
    }
  }
}

function orderedName(token: number): string {
  return `r:${token}`;
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
 * seq, as server-made UUIDv7 ids do), kept when they match; X and the range in one statement.
 * Exact: a match with an id below X is among the first ones or in the range. Undefined when the
 * range holds more than
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
  if (!mapping.idSeqIndex) {
    return undefined;
  }
  // One statement: X (NULL when fewer of those customers remain) and the range below it, X
  // computed again as the range's bound (MariaDB plans `id < (<scalar subquery>)` as a range).
  const x = `SELECT ${id} FROM ${storage.table} WHERE ${seq} IN (${first.join(', ')}) ORDER BY ${id} LIMIT 1 OFFSET ${rows - 1}`;
  const found = await read<{ k: number | string; v: number | string | null }>({
    sql:
      `SELECT 0 AS k, (${x}) AS v UNION ALL (SELECT 1, ${seq} FROM ${storage.table} ` +
      `FORCE INDEX (${mapping.idSeqIndex}) WHERE ${id} < (${x}) AND ${seq} > ? LIMIT ${RANGE_CAP + 1})`,
    params: [first[first.length - 1]],
  });
  const below = found.filter((r) => Number(r.k) === 1);
  if (found.some((r) => Number(r.k) === 0 && r.v === null) || below.length > RANGE_CAP) {
    return undefined;
  }
  return [...first, ...below.map((r) => Number(r.v)).filter((s) => matches.has(s))];
}

/** The epochs below `epochs` whose slot is missing or was read at another counter than `counters`'. */
function epochsBehind(
  slots: readonly ({ readonly version: number } | undefined)[],
  epochs: number,
  counters: ReadonlyMap<number, number>,
): number[] {
  const out: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const slot = slots[e];
    if (!slot || slot.version !== (counters.get(e) ?? 0)) {
      out.push(e);
    }
  }
  return out;
}
