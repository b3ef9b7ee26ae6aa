/**
 * An example for every request body of the document, by `<operationId> <media type>`: Swagger UI
 * pre-fills them, generated clients show them, and the drift test sends each one and expects it to
 * be accepted (test/e2e/openapi-drift.e2e-spec.ts). A body without an example fails the start-up.
 */
const CUSTOMER = {
  name: 'Moon Football Club',
  status: 'approved',
  engagedParty: { id: 'org-42', name: 'Moon FC', '@referredType': 'Organization' },
  contactMedium: [
    {
      mediumType: 'email',
      preferred: true,
      characteristic: { emailAddress: 'office@moon.example', contactType: 'work' },
    },
  ],
  characteristic: [{ name: 'segment', valueType: 'string', value: 'sports' }],
  validFor: { startDateTime: '2024-01-01T00:00:00Z' },
};

const PEER_CUSTOMER = {
  id: '6b0b8d8e-8f2b-4b8a-9d0e-0f6f2d1c1a11',
  href: 'https://peer.example.com/tmf-api/customerManagement/v4/customer/6b0b8d8e-8f2b-4b8a-9d0e-0f6f2d1c1a11',
  ...CUSTOMER,
  '@type': 'Customer',
};

function event(eventType: string, extra: Record<string, unknown> = {}) {
  return {
    eventId: '00000000-0000-4000-8000-000000000001',
    eventTime: '2026-01-01T00:00:00.000Z',
    eventType,
    ...extra,
    event: { customer: PEER_CUSTOMER },
  };
}

const IDENTIFIED = { id: PEER_CUSTOMER.id, href: PEER_CUSTOMER.href };

export const REQUEST_EXAMPLES: Readonly<Record<string, unknown>> = {
  'createCustomer application/json': CUSTOMER,
  'patchCustomer application/merge-patch+json': { status: 'suspended', statusReason: null },
  'patchCustomer application/json': { status: 'suspended' },
  'patchCustomer application/json-patch+json': [
    { op: 'replace', path: '/status', value: 'suspended' },
    { op: 'add', path: '/characteristic/-', value: { name: 'tier', value: 3 } },
  ],
  'patchCustomer application/json-patch-query+json': [
    {
      op: 'replace',
      path: "/contactMedium[?(@.mediumType=='email')]/characteristic/emailAddress",
      value: 'new@moon.example',
    },
  ],
  'registerListener application/json': {
    callback: 'https://crm.example.com/listener',
    query: 'eventType=CustomerCreateEvent&event.customer.status=approved',
  },
  'listenToCustomerCreateEvent application/json': event('CustomerCreateEvent', IDENTIFIED),
  'listenToCustomerAttributeValueChangeEvent application/json': event(
    'CustomerAttributeValueChangeEvent',
    { fieldPath: 'status' },
  ),
  'listenToCustomerStateChangeEvent application/json': event(
    'CustomerStateChangeEvent',
    IDENTIFIED,
  ),
  'listenToCustomerDeleteEvent application/json': event('CustomerDeleteEvent', IDENTIFIED),
  'redriveDeadLetters application/json': { subscriptionId: '0192f0c4-0000-7000-8000-000000000001' },
};
