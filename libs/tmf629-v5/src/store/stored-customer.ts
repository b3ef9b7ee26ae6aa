import { JsonObject } from '@app/tmf-common/core';

import { customerToV4, customerToV5 } from '@app/tmf629-v5/mapping/customer.mapping';

import { mergeV5Write } from './three-way-merge';
import { extensionOf, reanchorExtension, V5Extension, withExtension } from './v5-extension';

/**
 * One customer as stored: the v4 document (what v4 returns, typed columns and search index are
 * derived from it) and the side bag of what only v5 can express.
 */
export interface StoredCustomer {
  document: JsonObject;
  extension?: V5Extension;
}

/** The v5 representation of a stored customer (without `id` and `href`, which are per version). */
export function v5View(stored: StoredCustomer): JsonObject {
  return withExtension(customerToV5(stored.document), stored.extension);
}

/**
 * What to store for a v5 customer (without `id` and `href`, no `null` members): created when there
 * is no `previous`, else written over it. `v5View` of the result is `customer` exactly; details of
 * `previous` that v5 cannot see stay in the document.
 */
export function storeV5(customer: JsonObject, previous?: StoredCustomer): StoredCustomer {
  const wanted = customerToV4(customer);
  let document = wanted;
  if (previous) {
    const viewBefore = v5View(previous);
    document = mergeV5Write({
      previous: previous.document,
      seen: customerToV4(viewBefore),
      wanted,
      viewBefore,
      viewAfter: customer,
    });
  }
  const extension = extensionOf(document, customer);
  return extension ? { document, extension } : { document };
}

/**
 * What to store after a v4 write replaced `previous.document` with `document`: the side bag follows
 * the elements it annotates and keeps what the write did not touch.
 */
export function storeV4(document: JsonObject, previous?: StoredCustomer): StoredCustomer {
  const extension = previous && reanchorExtension(previous.extension, previous.document, document);
  return extension ? { document, extension } : { document };
}
