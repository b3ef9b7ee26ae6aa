import { SqlStatement } from './index-entries';
import { DEFAULT_BITMAP_BYTES } from './mysql-token-bitmaps';
import { epochSet, EpochSet, epochSetBytes, epochSetWith, SeqIntersection } from './seq-sets';
import { SqlStorage, TokenIndexMapping } from './storage';
import { SLOT_BITS, TokenRowChange } from './token-entries';
import type { TokenSearch } from './token-search';

/** Seqs per epoch of a held set: 2^14, as MariaDB's token table (a 2 KB bitset). */
export const SQLITE_SET_EPOCH_BITS = 14;

/** Runs one read statement (a read connection: the database as last committed). */
export type SetsRead = (statement: SqlStatement) => Promise<Record<string, unknown>[]>;

/** A write group's changes between its closing writes and the outcome of its COMMIT. */
export interface SetsWrite {
  /** After COMMIT (`committed`) or the group's failure, before any of its units is answered. */
  settle(committed: boolean): void;
}

/** What a filter of kept tokens reads from the held sets. */
export interface HeldIntersection {
  readonly matches: SeqIntersection;
  /** The writes seen so far: a page read against it is current while {@link SqliteTokenSets.current}. */
  readonly version: number;
}

interface KeyEntry {
  epochs: (EpochSet | undefined)[];
  bytes: number;
}

/** A membership change seen while a set was being read (`seq`, and whether it holds the token). */
type LoggedChange = readonly [number, boolean];

/** Per epoch slot beyond its set: its place in the array. */
const SLOT_BYTES = 8;

const EMPTY = new Set<number>();

/**
 * SQLite: the customers holding each kept token (a slot-0 value token with a row in the count
 * table, ADR 0007), held in memory as sets of seqs per epoch (`seq-sets.ts`), so that a filter that
 * is an AND of two or more kept tokens is counted by the AND of their sets (a popcount) instead of
 * FTS5 merging their doclists, and its first page read by the first matches' seqs.
 *
 * Coherent without reading the database again: SQLite has one writer, in this process. A write
 * group hands its token row changes over before its COMMIT ({@link write}: a write is in flight,
 * no read uses the sets) and settles them after ({@link SetsWrite.settle}: the held sets take each
 * slot-0 row's counted tokens in or out, before any unit is answered), so a read that starts after
 * an acknowledgement sees every acknowledged write. A set is built on a key's first use from its
 * slot-0 rows on a read connection; the changes settled while it is read are logged and replayed
 * on it (each says whether a seq holds the token, so a change already in the read's snapshot is
 * replayed harmlessly). Keys least recently used are dropped beyond `maxBytes`.
 */
export class SqliteTokenSets {
  private readonly mapping: TokenIndexMapping;
  /** Least recently used first (a Map keeps insertion order; a use moves the key last). */
  private readonly keys = new Map<string, KeyEntry>();
  private readonly building = new Map<string, Promise<void>>();
  /** Per key being built: the changes settled since its read was sent. */
  private readonly logs = new Map<string, LoggedChange[]>();
  private bytes = 0;
  private inFlight = 0;
  private version = 0;
  /** Raised by {@link clear}: builds started before it are not installed. */
  private generation = 0;

  constructor(
    storage: SqlStorage,
    /** The kept tokens, undefined while unknown (then nothing is served). */
    private readonly kept: () => ReadonlySet<string> | undefined,
    private readonly maxBytes = DEFAULT_BITMAP_BYTES,
  ) {
    if (!storage.tokenIndex?.countTable) {
      throw new Error(`The token index of '${storage.table}' keeps no counts`);
    }
    this.mapping = storage.tokenIndex;
  }

  /** Bytes held now. */
  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * The tokens of a filter the sets answer: the index alone, one lookup of the slot-0 rows, exact,
   * an AND of two or more value tokens, each kept. Undefined otherwise.
   */
  tokensOf(search: TokenSearch | undefined): string[] | undefined {
    const tokens = slot0Tokens(search);
    const kept = this.kept();
    return tokens && kept && tokens.every((token) => kept.has(token)) ? tokens : undefined;
  }

  /**
   * A write group's token row changes, given before its COMMIT is sent: until it settles no read
   * uses the sets (a reader could see the commit in the database before the sets do).
   */
  write(changes: readonly TokenRowChange[]): SetsWrite {
    const counted = changes.filter((change) => change.counted !== undefined);
    if (counted.length === 0) {
      return { settle: () => undefined };
    }
    this.inFlight++;
    this.version++;
    let settled = false;
    return {
      settle: (committed) => {
        if (settled) {
          return;
        }
        settled = true;
        if (committed) {
          this.apply(counted);
        }
        this.inFlight--;
        this.version++;
      },
    };
  }

  /** Drops every set (a write the sets were not told about: they would be stale). */
  clear(): void {
    this.keys.clear();
    this.bytes = 0;
    this.generation++;
    this.version++;
  }

  /** Whether no write settled or began since `version` was read, and none is in flight. */
  current(version: number): boolean {
    return this.inFlight === 0 && this.version === version;
  }

  /**
   * The customers holding every token (kept ones, {@link tokensOf}), building the sets not held
   * yet; undefined while a write is in flight or when a set could not be read or held (its bytes).
   */
  async intersect(
    tokens: readonly string[],
    read: SetsRead,
  ): Promise<HeldIntersection | undefined> {
    const missing = tokens.filter((token) => !this.keys.has(token));
    if (missing.length > 0) {
      // A set that could not be read is simply not held: the caller takes the SQL path.
      await Promise.all(missing.map((token) => this.build(token, read).catch(() => undefined)));
    }
    const entries = tokens.map((token) => this.keys.get(token));
    if (this.inFlight > 0 || entries.some((entry) => entry === undefined)) {
      return undefined;
    }
    for (const token of tokens) {
      const entry = this.keys.get(token)!;
      this.keys.delete(token);
      this.keys.set(token, entry);
    }
    const held = entries as KeyEntry[];
    const epochs = Math.max(...held.map((entry) => entry.epochs.length));
    const matches = new SeqIntersection(
      held.map((entry) => entry.epochs),
      epochs,
      SQLITE_SET_EPOCH_BITS,
      EMPTY,
    );
    return { matches, version: this.version };
  }

  /** One key's set from its slot-0 rows (one per customer holding it), then the logged changes. */
  private build(token: string, read: SetsRead): Promise<void> {
    const running = this.building.get(token);
    if (running) {
      return running;
    }
    const generation = this.generation;
    const log: LoggedChange[] = [];
    this.logs.set(token, log);
    const t = this.mapping.table;
    const done = read({
      sql: `SELECT group_concat(rowid >> ${SLOT_BITS}) AS s FROM ${t} WHERE ${t} MATCH ?`,
      params: [`"${token}"`],
    })
      .then((rows) => {
        if (generation !== this.generation) {
          return;
        }
        const entry: KeyEntry = {
          epochs: epochsOf(typeof rows[0]?.s === 'string' ? rows[0].s : ''),
          bytes: 0,
        };
        for (const [seq, present] of log) {
          setSeq(entry, seq, present);
        }
        entry.bytes = entry.epochs.reduce(
          (n, set) => n + SLOT_BYTES + (set ? epochSetBytes(set) : 0),
          0,
        );
        this.keys.set(token, entry);
        this.bytes += entry.bytes;
        this.evict(token);
      })
      .finally(() => {
        this.logs.delete(token);
        this.building.delete(token);
      });
    this.building.set(token, done);
    return done;
  }

  /** A committed group's changes: each slot-0 row's counted tokens in (insert) or out (delete). */
  private apply(changes: readonly TokenRowChange[]): void {
    if (this.keys.size === 0 && this.logs.size === 0) {
      return;
    }
    for (const change of changes) {
      const seq = Math.floor(change.rowid / 2 ** SLOT_BITS);
      const present = change.tokens !== undefined;
      for (const token of change.counted!) {
        const entry = this.keys.get(token);
        if (entry) {
          const before = entry.bytes;
          setSeq(entry, seq, present);
          this.bytes += entry.bytes - before;
        }
        this.logs.get(token)?.push([seq, present]);
      }
    }
  }

  /** Drops the least recently used keys beyond the bound, `keep` last (it alone may exceed it). */
  private evict(keep: string): void {
    for (const [token, entry] of this.keys) {
      if (this.bytes <= this.maxBytes) {
        return;
      }
      if (token !== keep) {
        this.keys.delete(token);
        this.bytes -= entry.bytes;
      }
    }
    const entry = this.keys.get(keep);
    if (this.bytes > this.maxBytes && entry) {
      this.keys.delete(keep);
      this.bytes -= entry.bytes;
    }
  }
}

/**
 * The value tokens of a filter that the token index answers alone as one exact lookup of the
 * slot-0 rows, an AND of two or more tokens (attributes outside arrays and the arrays' copies:
 * the counted tokens); undefined for any other filter.
 */
export function slot0Tokens(search: TokenSearch | undefined): string[] | undefined {
  const part = search?.parts.length === 1 ? search.parts[0] : undefined;
  if (!part?.singleRow || part.core !== undefined || search?.residualKey !== undefined) {
    return undefined;
  }
  const tokens = part.sup.split(' AND ');
  return tokens.length > 1 && tokens.every((token) => /^[0-9a-z]+$/.test(token))
    ? tokens
    : undefined;
}

/** `seq` in or out of a held key's set, its bytes kept. */
function setSeq(entry: KeyEntry, seq: number, present: boolean): void {
  const e = Math.floor(seq / 2 ** SQLITE_SET_EPOCH_BITS);
  const offset = seq % 2 ** SQLITE_SET_EPOCH_BITS;
  const before = entry.epochs[e];
  const after = epochSetWith(before, offset, present, SQLITE_SET_EPOCH_BITS);
  if (after === before) {
    return;
  }
  while (entry.epochs.length <= e) {
    entry.epochs.push(undefined);
    entry.bytes += SLOT_BYTES;
  }
  entry.epochs[e] = after;
  entry.bytes += (after ? epochSetBytes(after) : 0) - (before ? epochSetBytes(before) : 0);
}

/** The sets per epoch of comma-separated seqs (`group_concat`), parsed without splitting. */
function epochsOf(list: string): (EpochSet | undefined)[] {
  const offsets: number[][] = [];
  let seq = 0;
  let digits = false;
  const add = () => {
    const e = Math.floor(seq / 2 ** SQLITE_SET_EPOCH_BITS);
    while (offsets.length <= e) {
      offsets.push([]);
    }
    offsets[e].push(seq % 2 ** SQLITE_SET_EPOCH_BITS);
  };
  for (let i = 0; i < list.length; i++) {
    const c = list.charCodeAt(i);
    if (c === 44) {
      if (digits) {
        add();
      }
      seq = 0;
      digits = false;
    } else {
      seq = seq * 10 + (c - 48);
      digits = true;
    }
  }
  if (digits) {
    add();
  }
  return offsets.map((list_) =>
    list_.length === 0 ? undefined : epochSet(list_, SQLITE_SET_EPOCH_BITS),
  );
}
