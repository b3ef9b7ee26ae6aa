/**
 * `path=value` conditions of a document's plain leaves (strings of plain characters, integers,
 * booleans): the equalities the oracle suites of kept keys intersected in memory draw their filters
 * from.
 */
export function leafConditions(doc: unknown, path = ''): string[] {
  if (Array.isArray(doc)) {
    return doc.flatMap((item) => leafConditions(item, path));
  }
  if (doc !== null && typeof doc === 'object') {
    return Object.entries(doc).flatMap(([key, value]) =>
      key === 'id' || key === 'href' || key.startsWith('@')
        ? []
        : leafConditions(value, path ? `${path}.${key}` : key),
    );
  }
  if (typeof doc === 'string' && /^[A-Za-z][A-Za-z0-9 ._-]*$/.test(doc)) {
    return [`${path}=${encodeURIComponent(doc)}`];
  }
  if ((typeof doc === 'number' && Number.isInteger(doc)) || typeof doc === 'boolean') {
    return [`${path}=${String(doc)}`];
  }
  return [];
}
