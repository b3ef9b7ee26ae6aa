import { CreateCustomer1795839805948 } from './1795839805948-create-customer';

/** SQLite migrations in order. Append only; never edit a committed migration. */
export const SQLITE_MIGRATIONS = [CreateCustomer1795839805948];
