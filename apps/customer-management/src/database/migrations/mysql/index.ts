import { CreateCustomer1795839810127 } from './1795839810127-create-customer';
import { CreateHub1795842135698 } from './1795842135698-create-hub';

/** MySQL 8 / MariaDB 10.6+ migrations in order. Append only; never edit a committed migration. */
export const MYSQL_MIGRATIONS = [CreateCustomer1795839810127, CreateHub1795842135698];
