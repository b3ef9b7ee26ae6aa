import { CUSTOMER_MANAGEMENT_V4 } from '@app/tmf-common/core';
import { defineSqlStorage, MARKED_ELEMENTS, SqlStorage } from '@app/tmf-query';

import { customerQuerySchema } from './customer.schema';

/**
 * The Customer paths held in the value index besides the columns: the identifiers a CRM finds a
 * customer by (references' ids, contact addresses). Changing this list needs a migration that
 * moves the rows of the paths concerned between the two tables.
 */
export const CUSTOMER_VALUE_INDEXED = [
  'account.id',
  'agreement.id',
  'contactMedium.characteristic.emailAddress',
  'contactMedium.characteristic.faxNumber',
  'contactMedium.characteristic.phoneNumber',
  'contactMedium.characteristic.socialNetworkId',
  'paymentMethod.id',
  'relatedParty.id',
] as const;

/**
 * The Customer storage (tables of the migrations): table `customer` (typed columns `id`, `name`,
 * `status`, `at_type`, `engaged_party_id`, `valid_for_start`, `valid_for_end`), derived `href`, the
 * token index for every other path: `customer_search` (SQLite, ADR 0007) and `customer_token`
 * (MySQL / MariaDB, ADR 0008). `customer_attr` and `customer_attr_plain` are what the migrations
 * before the token indexes knew.
 */
export const customerSqlStorage: SqlStorage = defineSqlStorage({
  schema: customerQuerySchema,
  table: 'customer',
  idColumn: 'id',
  columns: {
    id: { column: 'id', nullable: false },
    name: { column: 'name' },
    status: { column: 'status' },
    '@type': { column: 'at_type' },
    'engagedParty.id': { column: 'engaged_party_id' },
    'validFor.startDateTime': { column: 'valid_for_start' },
    'validFor.endDateTime': { column: 'valid_for_end' },
  },
  indexIdColumn: 'customer_id',
  indexTable: 'customer_attr',
  plainTable: 'customer_attr_plain',
  valueIndexed: new Set(CUSTOMER_VALUE_INDEXED),
  tokenIndex: {
    table: 'customer_search',
    seqColumn: 'seq',
    documentColumn: 'document',
    copies: true,
    oneRow: { markedElements: MARKED_ELEMENTS },
    countTable: 'customer_token_count',
  },
  mysqlTokenIndex: {
    table: 'customer_token',
    deadTable: 'customer_token_dead',
    seqColumn: 'seq',
    idSeqIndex: 'idx_customer_id_seq',
    countTable: 'customer_token_count',
    countGenTable: 'customer_token_count_gen',
    epochTable: 'customer_token_epoch',
  },
  derivedHref: { path: 'href', resourcePath: `${CUSTOMER_MANAGEMENT_V4.customer}/` },
});
