// Test fixture: a TMF629 v4 Customer's schema, event schema and SQL storage, as the app defines
// them (apps/customer-management/src/customer/customer.schema.ts and customer.storage.ts, and
// hub/customer-event.schema.ts), so that the library's oracle suites run on a realistic tree
// (nested arrays, `any` values, date-times, references). The library itself knows no resource; a
// test in the app's tier (test/ops/query-fixture.spec.ts) keeps this copy equal to the app's.
import { CUSTOMER_MANAGEMENT_V4 } from '@app/tmf-common/core';
import {
  defineEventQuerySchema,
  defineQuerySchema,
  defineSqlStorage,
  SchemaObject,
  SqlStorage,
} from '@app/tmf-query';

// TMF629 v4.0.0 `definitions/*` (see shared/tmf629/NOTES.md §3); `@schemaLocation` is a uri string.
const polymorphic: SchemaObject = {
  '@baseType': 'string',
  '@schemaLocation': 'string',
  '@type': 'string',
};

const timePeriod: SchemaObject = { startDateTime: 'date-time', endDateTime: 'date-time' };

const entityRef: SchemaObject = {
  id: 'string',
  href: 'string',
  name: 'string',
  ...polymorphic,
  '@referredType': 'string',
};

const relatedParty: SchemaObject = { ...entityRef, role: 'string' };

const mediumCharacteristic: SchemaObject = {
  city: 'string',
  contactType: 'string',
  country: 'string',
  emailAddress: 'string',
  faxNumber: 'string',
  phoneNumber: 'string',
  postCode: 'string',
  socialNetworkId: 'string',
  stateOrProvince: 'string',
  street1: 'string',
  street2: 'string',
  ...polymorphic,
};

/** The TMF629 v4 `Customer` resource as a schema tree (every attribute and sub-resource). */
export const customerSchemaTree: SchemaObject = {
  id: 'string',
  href: 'string',
  name: 'string',
  status: 'string',
  statusReason: 'string',
  account: [{ ...entityRef, description: 'string' }],
  agreement: [entityRef],
  characteristic: [{ name: 'string', valueType: 'string', value: 'any', ...polymorphic }],
  contactMedium: [
    {
      mediumType: 'string',
      preferred: 'boolean',
      characteristic: mediumCharacteristic,
      validFor: timePeriod,
      ...polymorphic,
    },
  ],
  creditProfile: [
    {
      creditProfileDate: 'date-time',
      creditRiskRating: 'integer',
      creditScore: 'integer',
      validFor: timePeriod,
      ...polymorphic,
    },
  ],
  engagedParty: relatedParty,
  paymentMethod: [entityRef],
  relatedParty: [relatedParty],
  validFor: timePeriod,
  ...polymorphic,
};

/**
 * Schema descriptor of the TMF629 v4 `Customer`: every attribute and sub-resource attribute that can be
 * filtered, sorted or selected. Arrays: `account`, `agreement`, `characteristic`, `contactMedium`,
 * `creditProfile`, `paymentMethod`, `relatedParty`.
 */
export const customerQuerySchema = defineQuerySchema('Customer', customerSchemaTree);

/** Descriptor of the four TMF629 v4 Customer events (`event.customer.<Customer path>`). */
export const customerEventQuerySchema = defineEventQuerySchema(
  'CustomerEvent',
  'customer',
  customerSchemaTree,
);

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
  tokenIndex: { table: 'customer_search', seqColumn: 'seq', documentColumn: 'document' },
  mysqlTokenIndex: {
    table: 'customer_token',
    deadTable: 'customer_token_dead',
    seqColumn: 'seq',
    idSeqIndex: 'idx_customer_id_seq',
  },
  derivedHref: { path: 'href', resourcePath: `${CUSTOMER_MANAGEMENT_V4.customer}/` },
});
