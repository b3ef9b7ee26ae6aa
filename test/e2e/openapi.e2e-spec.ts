import { TestApp } from './support/test-app';

describe('OpenAPI', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ HUB_ADMIN_TOKEN: 'docs-admin-token' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('serves the OpenAPI document with every operation and the TMF schema names', async () => {
    const res = await app.request('GET', '/docs-json');
    expect(res.status).toBe(200);
    const doc = res.json;
    const operations = Object.values(
      doc.paths as Record<string, Record<string, { operationId: string }>>,
    )
      .flatMap((path) => Object.values(path).map((op) => op.operationId))
      .sort();
    expect(operations).toEqual(
      expect.arrayContaining([
        'createCustomer',
        'deleteCustomer',
        'listCustomer',
        'patchCustomer',
        'retrieveCustomer',
        'registerListener',
        'retrieveListener',
        'unregisterListener',
        'listenToCustomerCreateEvent',
        'listenToCustomerAttributeValueChangeEvent',
        'listenToCustomerStateChangeEvent',
        'listenToCustomerDeleteEvent',
        'listDeadLetters',
        'redriveDeadLetters',
        'discardDeadLetter',
        'hubStats',
      ]),
    );
    for (const schema of [
      'Customer',
      'Customer_Create',
      'Customer_Update',
      'Error',
      'RelatedParty',
      'ContactMedium',
      'MediumCharacteristic',
      'CreditProfile',
      'Characteristic',
      'AccountRef',
      'AgreementRef',
      'PaymentMethodRef',
      'TimePeriod',
      'EventSubscriptionInput',
      'EventSubscription',
      'CustomerCreateEvent',
      'CustomerAttributeValueChangeEvent',
      'CustomerStateChangeEvent',
      'CustomerDeleteEvent',
      'CustomerCreateEventPayload',
      'CustomerAttributeValueChangeEventPayload',
      'CustomerStateChangeEventPayload',
      'CustomerDeleteEventPayload',
      'HubDeadLetter',
    ]) {
      expect(doc.components.schemas[schema]).toBeDefined();
    }
    expect(doc.components.schemas.Customer_Create.required).toEqual(
      expect.arrayContaining(['name', 'engagedParty']),
    );
    expect(doc.components.schemas.RelatedParty.required).toEqual(
      expect.arrayContaining(['id', '@referredType']),
    );
    const created = doc.paths['/tmf-api/customerManagement/v4/customer'].post.responses['201'];
    expect(JSON.stringify(created)).toContain('#/components/schemas/Customer');
    const hub = doc.paths['/tmf-api/customerManagement/v4/hub'].post;
    expect(JSON.stringify(hub.requestBody)).toContain(
      '#/components/schemas/EventSubscriptionInput',
    );
    expect(JSON.stringify(hub.responses['201'])).toContain(
      '#/components/schemas/EventSubscription',
    );
    expect(doc.components.schemas.EventSubscriptionInput.required).toEqual(['callback']);
    expect(JSON.stringify(doc.components.schemas.CustomerCreateEventPayload)).toContain(
      '#/components/schemas/Customer"',
    );
    expect(
      doc.components.schemas.CustomerAttributeValueChangeEvent.properties.fieldPath,
    ).toBeDefined();
    expect(doc.components.schemas.CustomerAttributeValueChangeEvent.properties.id).toBeUndefined();
    expect(doc.components.schemas.CustomerDeleteEvent.properties.href).toBeDefined();
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await app.request('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.text).toContain('swagger');
  });
});
