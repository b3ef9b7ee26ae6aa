import { HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { PATCH_MEDIA_TYPES } from '@app/json-patch';
import { ifNoneMatchHits, pagingLinks } from '@app/tmf-common';

import type { CustomerView } from './customer.mapper';
import type { CustomerPage } from './customer.service';

/** What the v4 and v5 customer controllers write into a reply: one place for the TMF630 headers. */

const JSON_UTF8 = 'application/json; charset=utf-8';

/** The request's query string as sent (still percent-encoded): TMF630 filters are parsed from it. */
export function rawQuery(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  return q < 0 ? '' : request.url.slice(q + 1);
}

/** A request header as one string (repeated headers joined as RFC 9110 lists them). */
export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** A customer body with its ETag. */
export function sendCustomer(reply: FastifyReply, view: CustomerView): string {
  void reply.header('content-type', JSON_UTF8).header('etag', view.etag);
  return view.json;
}

/** GET by id: 304 when If-None-Match names the current version, else the body and `Accept-Patch`. */
export function sendRetrieved(
  request: FastifyRequest,
  reply: FastifyReply,
  view: CustomerView,
): string {
  if (ifNoneMatchHits(header(request, 'if-none-match'), view.etag)) {
    void reply.status(HttpStatus.NOT_MODIFIED).header('etag', view.etag);
    return '';
  }
  void reply.header('accept-patch', PATCH_MEDIA_TYPES.join(', '));
  return sendCustomer(reply, view);
}

/**
 * A list page: 206 when it is a strict subset of the matches (TMF630), 200 when it holds them all,
 * with `X-Total-Count`, `X-Result-Count` and the `Link` header of the pages around it.
 */
export function sendPage(
  reply: FastifyReply,
  resourceUrl: string,
  query: string,
  page: CustomerPage,
): string {
  const link = pagingLinks(resourceUrl, query, page, page.total, page.cursors);
  if (link) {
    void reply.header('link', link);
  }
  void reply
    .status(page.items.length < page.total ? HttpStatus.PARTIAL_CONTENT : HttpStatus.OK)
    .header('x-total-count', String(page.total))
    .header('x-result-count', String(page.items.length))
    .header('content-type', JSON_UTF8);
  return `[${page.items.join(',')}]`;
}
