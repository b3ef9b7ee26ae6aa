import { CreateCustomer1795839805948 } from './1795839805948-create-customer';
import { CreateHub1795842135698 } from './1795842135698-create-hub';

/** SQLite migrations in order. Append only; never edit a committed migration. */
export const SQLITE_MIGRATIONS = [CreateCustomer1795839805948, CreateHub1795842135698];
