import type { JsonObject } from '@app/tmf-common';
import { ColumnValues, extractColumnValues } from '@app/tmf-query';

import { customerSqlStorage } from './customer.storage';

/**
 * The typed, indexed copies of document attributes, by column of `customer` (`name`, `status`,
 * `at_type`, `engaged_party_id`, `valid_for_start`, `valid_for_end`; see {@link customerSqlStorage}).
 */
export type CustomerColumns = ColumnValues;

/**
 * The typed columns of a (validated) customer document: the library's one derivation, the same
 * reduction as the search index and the evaluator, so column filters and hub queries agree. A
 * validated document always has its `@type` (the service adds `Customer`), as `at_type` requires.
 */
export function columnsOf(document: JsonObject): CustomerColumns {
  return extractColumnValues(document, customerSqlStorage);
}

/** The columns whose value differs between two derivations (in column order). */
export function changedColumns(before: CustomerColumns, after: CustomerColumns): string[] {
  return Object.keys(after).filter((column) => before[column] !== after[column]);
}
