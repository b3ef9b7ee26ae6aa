import { TMF629_V5_SPEC } from '@app/tmf629-v5';

// The calls of the v5 conformance suite, operation by operation of the official file, in the order
// they run against one root: each names its operationId, what it sends and the status it expects.
// Bodies come from the file's own examples where it has them.

export interface Call {
  operationId: string;
  /** What the call shows, for the report. */
  label: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the API root; `{id}` / `{hub}` are the customer and hub of this round. */
  path: string;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  status: number;
  /** Attributes a GET must return (the TM Forum kit's `mandatoryKeys`). */
  mandatoryKeys?: string[];
  /** Remember the created resource's id (`customer` or `hub`). */
  remember?: 'customer' | 'hub';
}

const examples = TMF629_V5_SPEC.components.examples;
const example = (name: string): Record<string, unknown> =>
  JSON.parse(JSON.stringify(examples[name].value)) as Record<string, unknown>;
const MERGE = 'application/merge-patch+json';

function customerCreate(name: string): Record<string, unknown> {
  return { ...example('Customer_Create_example_request'), name };
}

/** The calls of one round at one root; `tag` makes its customers' names unique. */
export function customerCalls(tag: string): Call[] {
  const name = `v5 suite ${tag}`;
  return [
    {
      operationId: 'createCustomer',
      label: 'the official create example',
      method: 'POST',
      path: '/customer',
      body: customerCreate(name),
      status: 201,
      remember: 'customer',
    },
    {
      operationId: 'createCustomer',
      label: 'with fields=name',
      method: 'POST',
      path: '/customer?fields=name',
      body: customerCreate(`${name} fields`),
      status: 201,
    },
    {
      operationId: 'createCustomer',
      label: 'without name (required through PartyRole_FVO)',
      method: 'POST',
      path: '/customer',
      body: { ...customerCreate(name), name: undefined },
      status: 400,
    },
    {
      operationId: 'createCustomer',
      label: 'without @type',
      method: 'POST',
      path: '/customer',
      body: { ...customerCreate(name), '@type': undefined },
      status: 400,
    },
    {
      operationId: 'createCustomer',
      label: 'a contact medium without @type',
      method: 'POST',
      path: '/customer',
      body: { ...customerCreate(name), contactMedium: [{ phoneNumber: '01' }] },
      status: 400,
    },
    {
      operationId: 'createCustomer',
      label: 'not JSON',
      method: 'POST',
      path: '/customer',
      body: 'name=x',
      contentType: 'text/plain',
      status: 415,
    },
    {
      operationId: 'listCustomer',
      label: 'all',
      method: 'GET',
      path: '/customer',
      status: 200,
      mandatoryKeys: ['id', 'href', '@type'],
    },
    {
      operationId: 'listCustomer',
      label: 'by name, fields, offset and limit',
      method: 'GET',
      path: `/customer?name=${encodeURIComponent(name)}&fields=name,contactMedium&offset=0&limit=10`,
      status: 200,
      mandatoryKeys: ['id', 'href', '@type', 'name'],
    },
    {
      operationId: 'listCustomer',
      label: 'a partial page (206)',
      method: 'GET',
      path: '/customer?limit=1',
      status: 206,
    },
    {
      operationId: 'listCustomer',
      label: 'a filter on a v5 path',
      method: 'GET',
      path: '/customer?contactMedium.city=Paris&relatedParty.partyOrPartyRole.id=2777&limit=5',
      status: 200,
    },
    {
      operationId: 'listCustomer',
      label: 'an unknown attribute',
      method: 'GET',
      path: '/customer?mediumType=email',
      status: 400,
    },
    {
      operationId: 'retrieveCustomer',
      label: 'by id',
      method: 'GET',
      path: '/customer/{id}',
      status: 200,
      mandatoryKeys: ['id', 'href', '@type', 'name', 'engagedParty'],
    },
    {
      operationId: 'retrieveCustomer',
      label: 'with fields',
      method: 'GET',
      path: '/customer/{id}?fields=name,status',
      status: 200,
      mandatoryKeys: ['id', 'href', '@type', 'name'],
    },
    {
      operationId: 'retrieveCustomer',
      label: 'If-None-Match with its ETag',
      method: 'GET',
      path: '/customer/{id}',
      headers: { 'if-none-match': '*' },
      status: 304,
    },
    {
      operationId: 'retrieveCustomer',
      label: 'an unknown id',
      method: 'GET',
      path: '/customer/unknown-customer-id',
      status: 404,
    },
    {
      operationId: 'patchCustomer',
      label: 'the official merge-patch example',
      method: 'PATCH',
      path: '/customer/{id}',
      body: example('Customer_Update_example_Merge__request'),
      contentType: MERGE,
      status: 200,
    },
    {
      operationId: 'patchCustomer',
      label: 'the official application/json example',
      method: 'PATCH',
      path: '/customer/{id}',
      body: example('Customer_Update_example_application-json__request'),
      contentType: 'application/json',
      status: 200,
    },
    {
      operationId: 'patchCustomer',
      label: 'the official JSON Patch example',
      method: 'PATCH',
      path: '/customer/{id}',
      body: examples['Customer_Update_example_JSON-PATCH__request'].value,
      contentType: 'application/json-patch+json',
      status: 200,
    },
    {
      operationId: 'patchCustomer',
      label: 'the official JSON Patch Query example',
      method: 'PATCH',
      path: '/customer/{id}',
      body: examples['Customer_Update_example_JSON-PATCH-QUERY__request'].value,
      contentType: 'application/json-patch-query+json',
      status: 200,
    },
    {
      operationId: 'patchCustomer',
      label: 'a partial merge patch (PartyRole_MVO would require name, engagedParty, @type)',
      method: 'PATCH',
      path: '/customer/{id}?fields=status',
      body: { status: 'Approved', description: 'checked by the v5 suite' },
      contentType: MERGE,
      status: 200,
    },
    {
      operationId: 'patchCustomer',
      label: 'a result that breaks the create rules',
      method: 'PATCH',
      path: '/customer/{id}',
      body: { engagedParty: null },
      contentType: MERGE,
      status: 400,
    },
    {
      operationId: 'patchCustomer',
      label: 'a stale If-Match',
      method: 'PATCH',
      path: '/customer/{id}',
      body: { status: 'x' },
      contentType: MERGE,
      headers: { 'if-match': '"0"' },
      status: 412,
    },
    {
      operationId: 'patchCustomer',
      label: 'an unknown id',
      method: 'PATCH',
      path: '/customer/unknown-customer-id',
      body: { status: 'x' },
      contentType: MERGE,
      status: 404,
    },
    {
      operationId: 'deleteCustomer',
      label: 'by id',
      method: 'DELETE',
      path: '/customer/{id}',
      status: 204,
    },
    {
      operationId: 'retrieveCustomer',
      label: 'after its deletion',
      method: 'GET',
      path: '/customer/{id}',
      status: 404,
    },
    {
      operationId: 'deleteCustomer',
      label: 'again',
      method: 'DELETE',
      path: '/customer/{id}',
      status: 404,
    },
  ];
}

/** Hub and listener calls; `callback` is a URL the server may call. */
export function eventCalls(callback: string): Call[] {
  const listener = (operationId: string, path: string, exampleName: string): Call[] => [
    {
      operationId,
      label: 'the official example',
      method: 'POST',
      path,
      body: example(exampleName),
      status: 204,
    },
    {
      operationId,
      label: 'not an event',
      method: 'POST',
      path,
      body: { event: 'nothing' },
      status: 400,
    },
  ];
  return [
    {
      operationId: 'createHub',
      label: 'Hub_FVO with @type',
      method: 'POST',
      path: '/hub',
      body: { '@type': 'Hub', callback, query: 'eventType=CustomerCreateEvent' },
      status: 201,
      remember: 'hub',
    },
    {
      operationId: 'createHub',
      label: 'without @type',
      method: 'POST',
      path: '/hub',
      body: { callback: `${callback}/other` },
      status: 400,
    },
    {
      operationId: 'hubGet',
      label: 'by id',
      method: 'GET',
      path: '/hub/{hub}',
      status: 200,
      mandatoryKeys: ['id', 'href', '@type', 'callback'],
    },
    {
      operationId: 'hubDelete',
      label: 'by id',
      method: 'DELETE',
      path: '/hub/{hub}',
      status: 204,
    },
    {
      operationId: 'hubGet',
      label: 'after its deletion',
      method: 'GET',
      path: '/hub/{hub}',
      status: 404,
    },
    {
      operationId: 'hubDelete',
      label: 'again',
      method: 'DELETE',
      path: '/hub/{hub}',
      status: 404,
    },
    ...listener(
      'customerCreateEvent',
      '/listener/customerCreateEvent',
      'Create_Cusomter_Notification_Event_request',
    ),
    ...listener(
      'customerAttributeValueChangeEvent',
      '/listener/customerAttributeValueChangeEvent',
      'Customer_Attribute_Value_Change_Notification_Event_request',
    ),
    ...listener(
      'customerStateChangeEvent',
      '/listener/customerStateChangeEvent',
      'Customer_State_Change_Notification_Event_request',
    ),
    ...listener(
      'customerDeleteEvent',
      '/listener/customerDeleteEvent',
      'Delete_Cusomter_Notification_Event_request',
    ),
  ];
}
