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

  it('says what the HTTP edge does: formats, statuses, headers, bounds, examples, security, servers', async () => {
    const plain = await TestApp.start();
    try {
      const doc = (await plain.request('GET', '/docs-json')).json;
      const customer = doc.paths['/tmf-api/customerManagement/v4/customer'];
      const one = doc.paths['/tmf-api/customerManagement/v4/customer/{id}'];
      expect(doc.servers).toEqual([expect.objectContaining({ url: 'http://localhost:8080' })]);
      // Auth is off: no operation asks for a token.
      for (const item of Object.values(doc.paths as Record<string, Record<string, any>>)) {
        for (const op of Object.values(item)) {
          expect({ op: op.operationId, security: op.security }).toEqual({
            op: op.operationId,
            security: undefined,
          });
        }
      }
      expect(Object.keys(one.patch.requestBody.content).sort()).toEqual([
        'application/json',
        'application/json-patch+json',
        'application/json-patch-query+json',
        'application/merge-patch+json',
      ]);
      for (const item of Object.values(doc.paths as Record<string, Record<string, any>>)) {
        for (const op of Object.values(item)) {
          for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
            expect({
              op: op.operationId,
              type,
              example: (media as any).example !== undefined,
            }).toEqual({
              op: op.operationId,
              type,
              example: true,
            });
          }
        }
      }
      expect(Object.keys(customer.get.responses)).toEqual(
        expect.arrayContaining(['200', '206', '501']),
      );
      expect(Object.keys(customer.get.responses['206'].headers)).toEqual([
        'X-Total-Count',
        'X-Result-Count',
        'Link',
      ]);
      expect(Object.keys(one.get.responses)).toEqual(expect.arrayContaining(['304', '414']));
      expect(Object.keys(one.patch.responses)).toEqual(expect.arrayContaining(['412']));
      expect(one.get.parameters.map((p: any) => p.name)).toContain('If-None-Match');
      expect(one.delete.parameters.map((p: any) => p.name)).toContain('If-Match');
      expect(customer.post.responses['201'].headers.Location).toBeDefined();
      const limit = customer.get.parameters.find((p: any) => p.name === 'limit');
      expect(limit.schema).toMatchObject({ type: 'integer', minimum: 0, maximum: 1000 });
      const schemas = doc.components.schemas;
      expect(schemas.Characteristic.properties.value.oneOf.map((s: any) => s.type)).toEqual([
        'string',
        'number',
        'boolean',
        'object',
        'array',
      ]);
      expect(schemas.EventSubscriptionInput.properties.callback.format).toBe('uri');
      expect(schemas.Customer_Create.properties.name.minLength).toBe(1);
      expect(schemas.Customer_Create.properties['@type'].minLength).toBe(1);
    } finally {
      await plain.close();
    }
  });
});
