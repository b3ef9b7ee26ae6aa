import type { EntityManager } from 'typeorm';

import type { JsonObject } from '@app/tmf-common';
import { V5Extension } from '@app/tmf629-v5';
import { CustomerDeletedEvent, CustomerUpdatedEvent } from '@server/customer/events';

import { updateEvents } from './envelope-builder';
import { v5DeleteEvents, v5UpdateEvents } from './v5-envelope-builder';

const manager = {} as EntityManager;
const HREF = 'https://crm.example.com/tmf-api/customerManagement/v4/customer/c1';
const V5_HREF = 'https://crm.example.com/tmf-api/customerManagement/v5/customer/c1';
const before: JsonObject = {
  id: 'c1',
  href: HREF,
  '@type': 'Customer',
  name: 'a',
  status: 'approved',
  engagedParty: { id: '1', '@referredType': 'Organization' },
};

describe(v5UpdateEvents.name, () => {
  const event = (
    after: JsonObject,
    changed: string[],
    extensionBefore?: V5Extension,
    extension?: V5Extension,
  ) =>
    new CustomerUpdatedEvent(
      manager,
      before,
      after,
      changed,
      new Date(0),
      extensionBefore,
      extension,
    );

  it('a change only v5 sees (description): an attribute change for v5, nothing for v4', () => {
    const source = event(before, [], undefined, { root: { description: 'new' } });
    expect(updateEvents(source)).toEqual([]);
    const [change, ...rest] = v5UpdateEvents(source);
    expect(rest).toEqual([]);
    expect(change).toMatchObject({
      '@type': 'CustomerAttributeValueChangeEvent',
      eventType: 'CustomerAttributeValueChangeEvent',
      eventTime: new Date(0).toISOString(),
      timeOccurred: new Date(0).toISOString(),
      fieldPath: 'description',
    });
    expect(change.event.customer).toEqual({
      id: 'c1',
      href: V5_HREF,
      '@type': 'Customer',
      name: 'a',
      status: 'approved',
      engagedParty: { '@type': 'PartyRef', id: '1', '@referredType': 'Organization' },
      description: 'new',
    });
  });

  it('a status change: a state change in the v5 shape', () => {
    const [state] = v5UpdateEvents(event({ ...before, status: 'x' }, ['status']));
    expect(state['@type']).toBe('CustomerStateChangeEvent');
    expect(state.event.customer.status).toBe('x');
  });
});

describe(v5DeleteEvents.name, () => {
  it("the customer's identity only, with its v5 href", () => {
    const [deleted] = v5DeleteEvents(new CustomerDeletedEvent(manager, before, new Date(0)));
    expect(deleted['@type']).toBe('CustomerDeleteEvent');
    expect(deleted.event.customer).toEqual({ id: 'c1', href: V5_HREF, '@type': 'Customer' });
  });
});
