import { CUSTOMER_MANAGEMENT_V4, type JsonObject } from '@app/tmf-common';

export const CUSTOMER_PATH = CUSTOMER_MANAGEMENT_V4.customer;

/** What the service hands the controller: the representation, already serialized. */
export interface CustomerView {
  id: string;
  href: string;
  version: number;
  /** Strong ETag of this representation. */
  etag: string;
  json: string;
}

export function customerHref(baseUrl: string, id: string): string {
  return `${baseUrl}${CUSTOMER_PATH}/${id}`;
}

/**
 * The response JSON from the stored document text, without re-serializing it: `id` and `href` are
 * derived, so they are spliced in front of the stored members.
 */
export function customerJson(id: string, href: string, documentText: string): string {
  const head = `{"id":${JSON.stringify(id)},"href":${JSON.stringify(href)}`;
  const rest = documentText.trim().slice(1);
  return rest.trim() === '}' ? `${head}}` : `${head},${rest}`;
}

/** The full resource as an object (for events and projections). */
export function customerResource(id: string, href: string, document: JsonObject): JsonObject {
  return { id, href, ...document };
}
