/** At most this many bytes of Link header; longer queries get none rather than an oversized header. */
const MAX_LINK_HEADER = 2048;

/** Parameters that say which page: replaced in every link. */
const PAGING = /^(offset|limit|cursor)(=|$)/;

/**
 * The query's parameters other than the page's (`offset`, `limit`, `cursor`), raw and in order: what
 * a page link keeps, and what a keyset cursor is bound to.
 */
export function queryWithoutPaging(rawQuery: string): string[] {
  return rawQuery.split('&').filter((p) => p !== '' && !PAGING.test(p));
}

/** Keyset cursors of the pages around this one (opaque `cursor=` values). */
export interface PageCursors {
  readonly next?: string;
  readonly prev?: string;
}

/**
 * RFC 8288 `Link` header with first, prev, next and last pages. Every other query parameter is kept
 * byte for byte (raw, still percent-encoded); `offset`, `limit` and `cursor` are replaced. With
 * `cursors`, `next` and `prev` carry them (`cursor=...&limit=...`, present only when given);
 * without, they are offsets. `first` and `last` are offsets. A header that would exceed 2 KB keeps
 * `first` and `last` only, and none at all if even that is too long.
 */
export function pagingLinks(
  resourceUrl: string,
  rawQuery: string,
  page: { offset: number; limit: number },
  total: number,
  cursors?: PageCursors,
): string | undefined {
  if (page.limit <= 0) {
    return undefined;
  }
  const kept = queryWithoutPaging(rawQuery);
  const link = (position: string, rel: string) => {
    const query = [...kept, position, `limit=${page.limit}`].join('&');
    return `<${resourceUrl}?${query}>; rel="${rel}"`;
  };
  const lastOffset = total === 0 ? 0 : Math.floor((total - 1) / page.limit) * page.limit;
  const around: string[] = [];
  if (cursors) {
    if (cursors.prev !== undefined) {
      around.push(link(`cursor=${cursors.prev}`, 'prev'));
    }
    if (cursors.next !== undefined) {
      around.push(link(`cursor=${cursors.next}`, 'next'));
    }
  } else {
    if (page.offset > 0) {
      around.push(link(`offset=${Math.max(0, page.offset - page.limit)}`, 'prev'));
    }
    if (page.offset + page.limit < total) {
      around.push(link(`offset=${page.offset + page.limit}`, 'next'));
    }
  }
  const first = link('offset=0', 'first');
  const last = link(`offset=${lastOffset}`, 'last');
  for (const header of [[first, ...around, last].join(', '), `${first}, ${last}`]) {
    if (header.length <= MAX_LINK_HEADER) {
      return header;
    }
  }
  return undefined;
}
