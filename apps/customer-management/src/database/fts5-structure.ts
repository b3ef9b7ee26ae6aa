/** One level of an FTS5 index: its segments, their pages, and how many are inputs of a merge. */
export interface Fts5Level {
  segments: number;
  pages: number;
  merging: number;
}

export interface Fts5Structure {
  segments: number;
  levels: Fts5Level[];
}

/**
 * Decodes an FTS5 index's structure record (row 10 of `<table>_data`): the segments on each level.
 * SQLite builds without SQLITE_DEBUG have no SQL function that shows it. Layout (fts5_index.c,
 * `fts5StructureDecode`): a 4-byte cookie, the 4 bytes FF 00 00 01 when the record is of the
 * second version (tables with `contentless_delete`), then varints: levels, segments, write counter,
 * and per level the segments being merged and the segments, each as id, first page, last page
 * (plus five varints in the second version: origins, tombstone pages and entries, entries).
 * Self-contained: the merger's worker runs its source text.
 */
/* istanbul ignore next */
export function decodeFts5Structure(block: Uint8Array): Fts5Structure {
  let i = 4;
  const v2 = block[4] === 0xff && block[5] === 0 && block[6] === 0 && block[7] === 1;
  if (v2) {
    i = 8;
  }
  // SQLite's varint: 7 bits a byte, high bit set on all but the last; a ninth byte gives 8 bits.
  const varint = (): number => {
    let value = 0;
    for (let n = 0; n < 8; n++) {
      const byte = block[i++];
      if (byte === undefined) {
        throw new Error('truncated FTS5 structure record');
      }
      value = value * 128 + (byte & 0x7f);
      if (byte < 0x80) {
        return value;
      }
    }
    const last = block[i++];
    if (last === undefined) {
      throw new Error('truncated FTS5 structure record');
    }
    return value * 256 + last;
  };
  const levelCount = varint();
  const segments = varint();
  varint(); // write counter
  const levels: Fts5Level[] = [];
  for (let l = 0; l < levelCount; l++) {
    const merging = varint();
    const count = varint();
    let pages = 0;
    for (let s = 0; s < count; s++) {
      varint(); // segment id
      const first = varint();
      const last = varint();
      pages += last - first + 1;
      if (v2) {
        for (let k = 0; k < 5; k++) {
          varint();
        }
      }
    }
    levels.push({ segments: count, pages, merging });
  }
  return { segments, levels };
}
