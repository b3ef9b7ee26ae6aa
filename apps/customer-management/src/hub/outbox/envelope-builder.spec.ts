import type { EntityManager } from 'typeorm';

import type { JsonObject } from '@app/tmf-common';

import { CustomerUpdatedEvent } from '@server/customer/events';

import { updateEvents } from './envelope-builder';

describe(updateEvents.name, () => {
  const manager = {} as EntityManager;
  const before = { id: 'c1', href: 'h/c1', name: 'a', status: 'approved' };
  const update = (after: JsonObject, changed: string[]) =>
    updateEvents(new CustomerUpdatedEvent(manager, before, after, changed, new Date(0)));

  it('status alone: one CustomerStateChangeEvent with id and href', () => {
    const [event, ...rest] = update({ ...before, status: 'suspended' }, ['status']);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ eventType: 'CustomerStateChangeEvent', id: 'c1', href: 'h/c1' });
    expect(event).not.toHaveProperty('fieldPath');
  });

  it('other attributes: one CustomerAttributeValueChangeEvent naming them, without id/href', () => {
    const [event] = update({ ...before, name: 'b', account: [] }, ['name', 'account']);
    expect(event.eventType).toBe('CustomerAttributeValueChangeEvent');
    expect(event.fieldPath).toBe('name,account');
    expect(event).not.toHaveProperty('id');
  });

  it('both: a state change then an attribute change, distinct eventIds, same time and state', () => {
    const after = { ...before, status: 'x', name: 'b' };
    const events = update(after, ['name', 'status']);
    expect(events.map((e) => e.eventType)).toEqual([
      'CustomerStateChangeEvent',
      'CustomerAttributeValueChangeEvent',
    ]);
    expect(events[1].fieldPath).toBe('name');
    expect(events[0].eventId).not.toBe(events[1].eventId);
    expect(
      events.every((e) => e.event.customer === after && e.eventTime === new Date(0).toISOString()),
    ).toBe(true);
  });

  it('nothing changed: no event', () => {
    expect(update(before, [])).toEqual([]);
  });
});
