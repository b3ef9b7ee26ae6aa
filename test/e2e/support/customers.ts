import { minimalCustomer } from '@test/fixtures/customers';

import { TestApp } from './test-app';

export const CUSTOMER_PATH = '/tmf-api/customerManagement/v4/customer';

export async function createCustomer(app: TestApp, body = minimalCustomer()): Promise<any> {
  const res = await app.request('POST', CUSTOMER_PATH, { body });
  if (res.status !== 201) {
    throw new Error(`create failed: ${res.status} ${res.text}`);
  }
  return res.json;
}

/** Every stored row, read from the database: the before/after proof that a request changed nothing. */
export async function snapshot(app: TestApp): Promise<string> {
  const rows = await app.dataSource.query('SELECT * FROM customer ORDER BY id');
  return JSON.stringify(rows);
}
