import fc from 'fast-check';

import { JsonObject } from '@app/tmf-common/core';
import { matches, parseQuery, ParsedQuery } from '@app/tmf-query';
import {
  customerV5QuerySchema,
  MEDIUM_KINDS,
  storeV5,
  translateV5Query,
  V5_TO_STORED_PATH,
  v5View,
} from '@app/tmf629-v5';
import { v4ConsistentDocument, v5Customer } from '@app/tmf629-v5/testing/arbitraries';
import { customerQuerySchema } from '@server/customer/customer.schema';

const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 400) };

function v5(raw: string): ParsedQuery {
  return parseQuery(raw, customerV5QuerySchema, { paging: { defaultLimit: 10, maxLimit: 100 } });
}

describe(translateV5Query.name, () => {
  it('maps every translatable v5 path onto a stored path of the same type and array', () => {
    for (const [from, to] of V5_TO_STORED_PATH) {
      const v5Leaf = customerV5QuerySchema.leaves.get(from);
      const v4Leaf = customerQuerySchema.leaves.get(to);
      expect([from, v5Leaf?.type, v5Leaf?.arrayKey]).toEqual([
        from,
        v4Leaf?.type,
        v4Leaf?.arrayKey,
      ]);
    }
  });

  it('rewrites paths, keeps operators, values, same-element groups and sort', () => {
    const query = translateV5Query(
      v5(
        'contactMedium.emailAddress=a@b.example&contactMedium.preferred=true' +
          '&relatedParty.partyOrPartyRole.id=7&sort=-validFor.startDateTime,name',
      ),
      customerQuerySchema,
    );
    expect(query.clauses.map((c) => c.conditions.map((k) => k.attribute.path))).toEqual([
      ['contactMedium.characteristic.emailAddress'],
      ['contactMedium.preferred'],
      ['relatedParty.id'],
    ]);
    expect(query.sort.map((k) => [k.attribute.path, k.descending])).toEqual([
      ['validFor.startDateTime', true],
      ['name', false],
    ]);
  });

  it('answers contactMedium.@type with the stored mediumType spellings of the subtype', () => {
    const [clause] = translateV5Query(
      v5('contactMedium.@type=EmailContactMedium'),
      customerQuerySchema,
    ).clauses;
    expect(clause.conditions.map((c) => c.value.text)).toEqual([
      'email',
      'Email',
      'emailAddress',
      'emailaddress',
      'EmailAddress',
    ]);
  });

  it.each([
    'description=x',
    'role=x',
    'partyRoleSpecification.id=x',
    'contactMedium.id=x',
    'characteristic.@type=StringCharacteristic',
    'relatedParty.partyOrPartyRole.@type=PartyRef',
    'relatedParty.partyOrPartyRole.partyId=x',
    'creditProfile.id=x',
    'engagedParty.@type=PartyRef',
    'sort=description',
  ])('refuses %s (kept outside the search index) with a 400', (raw) => {
    expect(() => translateV5Query(v5(raw), customerQuerySchema)).toThrow(
      /outside the search index/,
    );
  });

  it.each(['contactMedium.@type=ContactMedium', 'contactMedium.@type!=EmailContactMedium'])(
    'refuses %s: only equality with a subtype translates',
    (raw) => {
      expect(() => translateV5Query(v5(raw), customerQuerySchema)).toThrow(
        /contact medium subtype/,
      );
    },
  );

  // The oracle: on the stored document, the translated query selects exactly the customers whose v5
  // view the v5 query selects (the in-memory evaluator is the reference of the SQL compiler).
  const PATHS: [string, string[]][] = [
    ['name', ['a', 'Moon', 'b']],
    ['status', ['a', 'b']],
    ['@type', ['Customer', 'VipCustomer']],
    ['engagedParty.id', ['1', 'org-1']],
    ['engagedParty.name', ['a', 'b']],
    ['contactMedium.@type', MEDIUM_KINDS.map((k) => k.type)],
    ['contactMedium.emailAddress', ['a', 'b']],
    ['contactMedium.phoneNumber', ['a', 'Moon']],
    ['contactMedium.city', ['a', 'x y']],
    ['contactMedium.contactType', ['a', 'b']],
    ['contactMedium.preferred', ['true', 'false']],
    ['characteristic.name', ['a', 'b']],
    ['characteristic.value', ['a', '1', 'true', '0.5']],
    ['relatedParty.role', ['a', 'b']],
    ['relatedParty.partyOrPartyRole.id', ['1', '2', 'ind-7']],
    ['relatedParty.partyOrPartyRole.name', ['a', 'Moon']],
    ['creditProfile.creditScore', ['0', '500']],
    ['validFor.startDateTime', ['2024-06-01T00:00:00Z']],
  ];
  const OPS_BY_PATH = (path: string) =>
    path === 'contactMedium.@type'
      ? ['=']
      : path.endsWith('preferred')
        ? ['=', '!=']
        : ['=', '!=', '<', '>='];
  const term = fc
    .constantFrom(...PATHS)
    .chain(([path, values]) =>
      fc.tuple(
        fc.constant(path),
        fc.constantFrom(...OPS_BY_PATH(path)),
        fc.array(fc.constantFrom(...values), { minLength: 1, maxLength: 2 }),
      ),
    )
    .map(
      ([path, op, values]) =>
        `${path}${encodeURIComponent(op)}${values.map(encodeURIComponent).join(',')}`,
    );
  const rawQuery = fc.array(term, { minLength: 1, maxLength: 3 }).map((t) => t.join('&'));

  function agree(stored: { document: JsonObject }, view: JsonObject, raw: string): void {
    const query = v5(raw);
    expect([raw, matches(translateV5Query(query, customerQuerySchema), stored.document)]).toEqual([
      raw,
      matches(query, view),
    ]);
  }

  it('selects on the stored v4 document exactly what the v5 query selects on the v5 view', () => {
    fc.assert(
      fc.property(v4ConsistentDocument, rawQuery, (document, raw) => {
        const stored = { document };
        agree(stored, v5View(stored), raw);
      }),
      RUNS,
    );
  });

  it('... also for customers written through v5', () => {
    fc.assert(
      fc.property(v5Customer, rawQuery, (customer, raw) => {
        agree(storeV5(customer), customer, raw);
      }),
      RUNS,
    );
  });
});
