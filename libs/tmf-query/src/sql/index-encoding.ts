/**
 * Index-table encodings. Numbers, date-times (epoch ms) and booleans (0/1) are stored in the same
 * binary `v` column as strings, as 8 bytes whose byte order is their numeric order, so that one
 * `(path_id, v_type, v)` index serves every type on both databases (memcmp order).
 */
export function encodeSortableNumber(num: number): Buffer {
  const buffer = Buffer.alloc(8);
  // -0 and 0 are equal numbers: give them one encoding.
  buffer.writeDoubleBE(num === 0 ? 0 : num);
  if ((buffer[0] & 0x80) === 0) {
    buffer[0] |= 0x80;
  } else {
    for (let i = 0; i < 8; i++) {
      buffer[i] = ~buffer[i] & 0xff;
    }
  }
  return buffer;
}

/** Inverse of {@link encodeSortableNumber} (for tests and debugging). */
export function decodeSortableNumber(bytes: Uint8Array): number {
  const buffer = Buffer.from(bytes);
  if ((buffer[0] & 0x80) !== 0) {
    buffer[0] &= 0x7f;
  } else {
    for (let i = 0; i < 8; i++) {
      buffer[i] = ~buffer[i] & 0xff;
    }
  }
  return buffer.readDoubleBE();
}

/**
 * The `path_id` of a schema path in the index table: 32-bit FNV-1a of the path, masked to 31 bits
 * (fits a signed INT). A hash needs no registry and is stable when the schema gains paths; collisions
 * among a storage's paths are rejected by `defineSqlStorage`. Changing this function requires a
 * reindex of every resource.
 */
export function indexPathId(path: string): number {
  let id = PATH_IDS.get(path);
  if (id === undefined) {
    id = fnv1a31(path);
    // Schema paths only (a few hundred): computed once each, not once per indexed value.
    PATH_IDS.set(path, id);
  }
  return id;
}

const PATH_IDS = new Map<string, number>();

function fnv1a31(path: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(path, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash & 0x7fffffff;
}
