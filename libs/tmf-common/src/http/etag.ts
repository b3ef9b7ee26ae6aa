import { createHash } from 'node:crypto';

/**
 * Strong entity tag of a resource version. A projection (`fields`) is another representation, so it
 * gets its own tag, derived from the version and the selected fields.
 */
export function entityTag(version: number, fields?: readonly string[]): string {
  if (!fields) {
    return `"${version}"`;
  }
  const digest = createHash('sha1')
    .update([...fields].sort().join(','))
    .digest('hex')
    .slice(0, 12);
  return `"${version}-${digest}"`;
}

function tagsOf(header: string): string[] {
  return header
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** RFC 9110 §13.1.1 If-Match: strong comparison; `*` matches any current representation. */
export function ifMatchHolds(header: string | undefined, currentTag: string): boolean {
  if (header === undefined) {
    return true;
  }
  const tags = tagsOf(header);
  return tags.includes('*') || tags.some((t) => !t.startsWith('W/') && t === currentTag);
}

/** RFC 9110 §13.1.2 If-None-Match: weak comparison; true when the client's copy is current. */
export function ifNoneMatchHits(header: string | undefined, currentTag: string): boolean {
  if (header === undefined) {
    return false;
  }
  const bare = (t: string) => t.replace(/^W\//, '');
  const tags = tagsOf(header);
  return tags.includes('*') || tags.some((t) => bare(t) === bare(currentTag));
}
