/** At most this many bytes of Link header; longer queries get none rather than an oversized header. */
const MAX_LINK_HEADER = 2048;

/**
 * RFC 8288 `Link` header with first, prev, next and last pages. Every other query parameter is kept
 * byte for byte (raw, still percent-encoded); `offset` and `limit` are replaced.
 */
export function pagingLinks(
  resourceUrl: string,
  rawQuery: string,
  page: { offset: number; limit: number },
  total: number,
): string | undefined {
  if (page.limit <= 0) {
    return undefined;
  }
  const kept = rawQuery
    .split('&')
    .filter((p) => p !== '' && !/^(offset|limit)=/.test(p) && p !== 'offset' && p !== 'limit');
  const link = (offset: number, rel: string) => {
    const query = [...kept, `offset=${offset}`, `limit=${page.limit}`].join('&');
    return `<${resourceUrl}?${query}>; rel="${rel}"`;
  };
  const lastOffset = total === 0 ? 0 : Math.floor((total - 1) / page.limit) * page.limit;
  const links = [link(0, 'first')];
  if (page.offset > 0) {
    links.push(link(Math.max(0, page.offset - page.limit), 'prev'));
  }
  if (page.offset + page.limit < total) {
    links.push(link(page.offset + page.limit, 'next'));
  }
  links.push(link(lastOffset, 'last'));
  const header = links.join(', ');
  return header.length <= MAX_LINK_HEADER ? header : undefined;
}
