import {
  createSortComparator,
  defineQuerySchema,
  matches,
  parseQuery,
  QuerySchema,
} from '@app/tmf-query';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerEventQuerySchema } from '@server/hub/customer-event.schema';

const customer = {
  id: 'c1',
  href: 'https://api.example.com/tmf-api/customerManagement/v4/customer/c1',
  name: 'Moon Football Club',
  status: 'approved',
  '@type': 'Customer',
  engagedParty: { id: '500', '@referredType': 'Organization' },
  validFor: { startDateTime: '2024-01-01T01:00:00+01:00' },
  contactMedium: [
    { mediumType: 'email', preferred: true, characteristic: { emailAddress: 'a@example.com' } },
    { mediumType: 'phone', preferred: false, characteristic: { phoneNumber: '+33 1' } },
  ],
  characteristic: [
    { name: 'tier', value: 'gold' },
    { name: 'score', value: 5 },
    { name: 'flag', value: true },
    { name: 'tags', value: ['x', 7] },
  ],
  creditProfile: [
    { creditProfileDate: '2024-01-01T00:00:00Z', creditScore: 650, validFor: {} },
    { creditProfileDate: '2024-06-01T00:00:00Z', creditScore: 720, validFor: {} },
  ],
};

function check(
  raw: string,
  document: unknown = customer,
  schema: QuerySchema = customerQuerySchema,
) {
  return matches(parseQuery(raw, schema), document);
}

describe(matches.name, () => {
  it('matches everything without a filter', () => {
    expect(check('')).toBe(true);
    expect(check('fields=name')).toBe(true);
  });

  it.each([
    ['name=Moon Football Club', true],
    ['name=moon football club', false],
    ['name!=Moon', true],
    ['name>Moon', true],
    ['name<Moon', false],
    ['name*=^Moon F', true],
    ['name*=club$', false],
    ['status=active,approved', true],
    ['status=active;status=suspended', false],
    ['status=active&status=approved', true],
    ['status=approved&name=nope', false],
    ['status=nope;name=Moon%20Football%20Club', true],
    ['@type=Customer', true],
    ['engagedParty.id=500', true],
    ['id=c1', true],
    ['href=https://api.example.com/tmf-api/customerManagement/v4/customer/c1', true],
  ])('%s → %s', (raw, expected) => {
    expect(check(raw)).toBe(expected);
  });

  it('compares date-times as instants', () => {
    expect(check('validFor.startDateTime=2024-01-01T00:00:00Z')).toBe(true);
    expect(check('validFor.startDateTime=2024-01-01')).toBe(true);
    expect(check('validFor.startDateTime.gt=2023-12-31T23:59:59.999Z')).toBe(true);
    expect(check('validFor.startDateTime.gt=2024-01-01T00:00:00-00:01')).toBe(false);
    expect(
      check('validFor.startDateTime.gte=2024-01-01&validFor.startDateTime.lt=2024-01-02'),
    ).toBe(true);
  });

  it('matches a path in an array when some element matches', () => {
    expect(check('contactMedium.mediumType=phone')).toBe(true);
    expect(check('contactMedium.characteristic.emailAddress=a@example.com')).toBe(true);
    expect(check('contactMedium.mediumType=postal')).toBe(false);
    expect(check('creditProfile.creditScore>700')).toBe(true);
  });

  it('requires conditions on the same array to hold on one element', () => {
    expect(check('contactMedium.mediumType=email&contactMedium.preferred=true')).toBe(true);
    expect(check('contactMedium.mediumType=phone&contactMedium.preferred=true')).toBe(false);
    expect(
      check(
        'contactMedium.mediumType=phone&contactMedium.characteristic.emailAddress=a@example.com',
      ),
    ).toBe(false);
    // A range on one array is a range on one element: 650 and 720 are not both in [700, 710].
    expect(check('creditProfile.creditScore.gte=700&creditProfile.creditScore.lte=710')).toBe(
      false,
    );
    expect(check('creditProfile.creditScore.gte=700&creditProfile.creditScore.lte=720')).toBe(true);
    expect(check('characteristic.name=score&characteristic.value=5')).toBe(true);
    expect(check('characteristic.name=tier&characteristic.value=5')).toBe(false);
  });

  it('matches clauses that mix arrays condition by condition', () => {
    // The OR spans two arrays, so it is not tied to one element.
    expect(check('contactMedium.mediumType=postal;characteristic.name=tier')).toBe(true);
    expect(check('contactMedium.mediumType=phone;status=x&contactMedium.preferred=true')).toBe(
      true,
    );
  });

  it('never matches a missing value, not even with ne', () => {
    expect(check('statusReason.ne=x')).toBe(false);
    expect(check('status.ne=x')).toBe(true);
    expect(check('account.name.ne=x')).toBe(false);
    expect(check('validFor.endDateTime.lt=2100-01-01')).toBe(false);
  });

  it('compares any values by the stored JSON type', () => {
    expect(check('characteristic.value=gold')).toBe(true);
    expect(check('characteristic.value=5')).toBe(true);
    expect(check('characteristic.value=5.0')).toBe(true);
    expect(check('characteristic.value.gt=4')).toBe(true);
    expect(check('characteristic.value.gt=5')).toBe(true); // the string 'x' > '5'
    expect(check('characteristic.value=true')).toBe(true);
    expect(check('characteristic.value=1')).toBe(false); // true is not the number 1
    expect(check('characteristic.value=7')).toBe(true); // an element of ["x", 7]
    expect(check('characteristic.value*=^go')).toBe(true);
    expect(check('characteristic.value*=^5')).toBe(false); // regex applies to strings only
    const stringFive = { characteristic: [{ name: 'n', value: '5' }] };
    expect(check('characteristic.value=5', stringFive)).toBe(true);
    expect(check('characteristic.value=5.0', stringFive)).toBe(false);
    expect(check('characteristic.value.gt=true', { characteristic: [{ value: true }] })).toBe(
      false,
    );
  });

  it('ignores values of the wrong JSON type', () => {
    const odd = { id: 'x', name: 42, contactMedium: { mediumType: 'email' }, creditProfile: [7] };
    expect(check('name=42', odd)).toBe(false);
    expect(check('contactMedium.mediumType=email', odd)).toBe(false);
    expect(check('creditProfile.creditScore=7', odd)).toBe(false);
    expect(check('name=x', null)).toBe(false);
  });

  it('evaluates hub subscription queries against events', () => {
    const event = {
      eventId: 'e1',
      eventTime: '2024-01-01T00:00:00Z',
      eventType: 'CustomerCreateEvent',
      event: { customer },
    };
    const schema = customerEventQuerySchema;
    expect(check('eventType=CustomerCreateEvent,CustomerDeleteEvent', event, schema)).toBe(true);
    expect(check('eventType=CustomerDeleteEvent', event, schema)).toBe(false);
    expect(
      check('eventType=CustomerCreateEvent&event.customer.status=approved', event, schema),
    ).toBe(true);
    expect(
      check(
        'event.customer.contactMedium.mediumType=phone&event.customer.contactMedium.preferred=true',
        event,
        schema,
      ),
    ).toBe(false);
    expect(check('eventTime.gte=2024-01-01T01:00:00%2B01:00', event, schema)).toBe(true);
  });

  it('matches nested arrays existentially inside the chosen element', () => {
    const schema = defineQuerySchema('Order', {
      item: [{ sku: 'string', tag: [{ name: 'string' }], code: ['string'] }],
    });
    const order = {
      item: [
        { sku: 'a', tag: [{ name: 'x' }, { name: 'y' }], code: ['k1'] },
        { sku: 'b', tag: [{ name: 'z' }], code: ['k2', 'k3'] },
      ],
    };
    expect(check('item.sku=a&item.tag.name=y', order, schema)).toBe(true);
    expect(check('item.sku=a&item.tag.name=z', order, schema)).toBe(false);
    expect(check('item.sku=b&item.code=k3', order, schema)).toBe(true);
    expect(check('item.sku=a&item.code=k3', order, schema)).toBe(false);
  });
});

describe(createSortComparator.name, () => {
  const docs = [
    { id: 'd', name: 'b', validFor: { startDateTime: '2024-01-01T00:00:00Z' } },
    { id: 'c', validFor: { startDateTime: '2024-01-01T02:00:00+01:00' } },
    { id: 'b', name: 'a' },
    { id: 'a', name: 'b', validFor: { startDateTime: '2024-01-02T00:00:00Z' } },
    { id: 'e', name: '😀' },
    { id: 'f', name: '\uE000' },
  ];
  const order = (raw: string) =>
    [...docs]
      .sort(
        createSortComparator(
          parseQuery(raw, customerQuerySchema, { paging: { defaultLimit: 10, maxLimit: 10 } }).sort,
        ),
      )
      .map((d) => d.id);

  it('sorts ascending with missing values last and id as tie-breaker', () => {
    expect(order('sort=name')).toEqual(['b', 'a', 'd', 'f', 'e', 'c']);
  });

  it('sorts descending with missing values still last, ties broken by id descending', () => {
    expect(order('sort=-name')).toEqual(['e', 'f', 'd', 'a', 'b', 'c']);
  });

  it('sorts date-times as instants and chains keys', () => {
    expect(order('sort=-validFor.startDateTime,name')).toEqual(['a', 'c', 'd', 'b', 'f', 'e']);
  });

  it('falls back to id', () => {
    expect(order('')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });
});
