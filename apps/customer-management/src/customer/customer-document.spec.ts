import { matches, parseQuery } from '@app/tmf-query';

import { columnsOf } from './customer-document';
import { customerQuerySchema } from './customer.schema';

const holds = (raw: string, document: Record<string, unknown>) =>
  matches(parseQuery(raw, customerQuerySchema).clauses, document);

describe(columnsOf.name, () => {
  it('leaves every column null on a document without the attributes, as the evaluator sees it', () => {
    // The app's former derivation stored `Customer` in `at_type` here: `@type=Customer` listed a
    // customer that the evaluator (hub subscriptions, the oracle suites) does not match. The service
    // now stores every document with its `@type`, so the column is never null in practice.
    expect(columnsOf({})).toEqual({
      name: null,
      status: null,
      at_type: null,
      engaged_party_id: null,
      valid_for_start: null,
      valid_for_end: null,
    });
    expect(holds('%40type=Customer', {})).toBe(false);
  });

  it('reduces wrong JSON types and unreadable date-times to null, and instants to epoch ms', () => {
    const document = {
      name: 42,
      status: ['approved'],
      '@type': 'VipCustomer',
      engagedParty: [{ id: 'p1' }],
      validFor: { startDateTime: 'soon', endDateTime: '2030-01-01T01:00:00+01:00' },
    };
    expect(columnsOf(document)).toEqual({
      name: null,
      status: null,
      at_type: 'VipCustomer',
      engaged_party_id: null,
      valid_for_start: null,
      valid_for_end: Date.UTC(2030, 0, 1),
    });
    expect(holds('name=42', document)).toBe(false);
    expect(holds('status=approved', document)).toBe(false);
    expect(holds('engagedParty.id=p1', document)).toBe(false);
    expect(holds('validFor.endDateTime=2030-01-01T00:00:00Z', document)).toBe(true);
  });
});
