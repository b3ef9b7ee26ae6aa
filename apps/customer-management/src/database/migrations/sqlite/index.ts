import { CreateCustomer1795839805948 } from './1795839805948-create-customer';
import { CustomerSearchIndex1795842794153 } from './1795842794153-customer-search-index';
import { CustomerStatusSortIndexes1795844751230 } from './1795844751230-customer-status-sort-indexes';

/** SQLite migrations in order. Append only; never edit a committed migration. */
export const SQLITE_MIGRATIONS = [
  CreateCustomer1795839805948,
  CustomerSearchIndex1795842794153,
  CustomerStatusSortIndexes1795844751230,
];
