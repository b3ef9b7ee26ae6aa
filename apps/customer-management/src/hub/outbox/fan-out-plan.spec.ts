import type { CustomerEventEnvelope } from '@server/hub/customer-event-envelope';

import { planFanOut } from './fan-out-plan';

const event = (eventId: string, eventType: CustomerEventEnvelope['eventType']) =>
  ({ eventId, eventType, eventTime: '', event: { customer: {} } }) as CustomerEventEnvelope;

describe(planFanOut.name, () => {
  const subs = [
    { id: 'old', query: null, afterOutboxId: 0, version: 'v4' as const },
    {
      id: 'creates',
      query: 'eventType=CustomerCreateEvent',
      afterOutboxId: 5,
      version: 'v4' as const,
    },
    { id: 'new', query: null, afterOutboxId: 7, version: 'v4' as const },
  ];
  const matches = (s: { query: string | null }, e: CustomerEventEnvelope) =>
    s.query === null || s.query === `eventType=${e.eventType}`;

  it('sends a change to the subscriptions positioned before it whose query matches', () => {
    const plan = planFanOut(
      [
        { id: 5, events: [event('a', 'CustomerCreateEvent')] },
        { id: 6, events: [event('b', 'CustomerCreateEvent'), event('c', 'CustomerDeleteEvent')] },
        { id: 8, events: [event('d', 'CustomerDeleteEvent')] },
      ],
      subs,
      matches,
    );
    expect(plan.map((p) => [p.event.eventId, p.subscriptionIds])).toEqual([
      ['a', ['old']], // 'creates' is positioned at 5: change 5 committed before it
      ['b', ['old', 'creates']],
      ['c', ['old']],
      ['d', ['old', 'new']],
    ]);
  });

  it('leaves out events nobody receives', () => {
    expect(
      planFanOut([{ id: 3, events: [event('a', 'CustomerDeleteEvent')] }], subs.slice(1), matches),
    ).toEqual([]);
  });
});
