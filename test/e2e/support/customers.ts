import { TestApp } from './test-app';

export const CUSTOMER_PATH = '/tmf-api/customerManagement/v4/customer';

export function minimalCustomer(name = 'Moon Football Club'): Record<string, unknown> {
  return { name, engagedParty: { '@referredType': 'Organization', id: '500' } };
}

/** A customer using every attribute of TMF629 v4 Customer and its sub-resources. */
export function fullCustomer(): Record<string, unknown> {
  return {
    name: 'Sun Telecom Ltd',
    status: 'approved',
    statusReason: 'credit check passed',
    '@baseType': 'Customer',
    '@type': 'Customer',
    engagedParty: {
      id: 'org-42',
      href: 'https://party.example/organization/org-42',
      name: 'Sun Telecom',
      role: 'owner',
      '@referredType': 'Organization',
    },
    account: [
      {
        id: 'acc-1',
        href: 'https://acc.example/1',
        name: 'Main billing account',
        description: 'monthly',
        '@referredType': 'BillingAccount',
      },
    ],
    agreement: [{ id: 'agr-1', name: 'Framework agreement', '@referredType': 'Agreement' }],
    characteristic: [
      { name: 'segment', valueType: 'string', value: 'enterprise' },
      { name: 'employees', valueType: 'number', value: 1200 },
      { name: 'vip', value: true },
      { name: 'tags', value: ['a', 'b'] },
    ],
    contactMedium: [
      {
        mediumType: 'email',
        preferred: true,
        characteristic: { emailAddress: 'ops@sun.example', contactType: 'work' },
        validFor: { startDateTime: '2024-01-01T00:00:00Z' },
      },
      {
        mediumType: 'postalAddress',
        characteristic: {
          street1: '1 Sun Street',
          city: 'Paris',
          postCode: '75001',
          country: 'FR',
          stateOrProvince: 'IDF',
        },
      },
      {
        mediumType: 'phone',
        characteristic: {
          phoneNumber: '+33 1 23 45 67 89',
          faxNumber: '+33 1 23 45 67 00',
          socialNetworkId: 'sun',
        },
      },
    ],
    creditProfile: [
      {
        creditProfileDate: '2024-03-01T10:00:00+01:00',
        creditRiskRating: 2,
        creditScore: 710,
        validFor: { startDateTime: '2024-03-01T00:00:00Z', endDateTime: '2025-03-01T00:00:00Z' },
      },
    ],
    paymentMethod: [{ id: 'pm-1', name: 'Direct debit', '@referredType': 'BankAccountDebit' }],
    relatedParty: [
      { id: 'ind-7', name: 'Jane Doe', role: 'accountManager', '@referredType': 'Individual' },
    ],
    validFor: { startDateTime: '2024-01-01T00:00:00Z', endDateTime: '2030-12-31T23:59:59.999Z' },
  };
}

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
