import { ErrorKind } from '@app/tmf-common/core';
import { JsonObject, JsonValue, PatchErrorCode, PatchException } from '@app/json-patch';

import { applyJsonPatchQuery } from './json-patch-query';

/** A realistic TMF629 v4 Customer (ContactMedium.characteristic is a single object). */
function customer(): JsonObject {
  return {
    id: '42',
    href: 'https://host/tmf-api/customerManagement/v4/customer/42',
    name: 'Moon Football Club',
    status: 'Approved',
    engagedParty: { id: '7', name: 'Moon FC', role: 'owner', '@referredType': 'Organization' },
    contactMedium: [
      {
        mediumType: 'email',
        preferred: true,
        characteristic: { emailAddress: 'info@moon.example', contactType: 'main' },
      },
      {
        mediumType: 'postalAddress',
        preferred: false,
        characteristic: { city: 'Paris', country: 'France', street1: '1 rue de la Lune' },
      },
      {
        mediumType: 'email',
        preferred: false,
        characteristic: { emailAddress: 'sales@moon.example', contactType: 'sales' },
      },
      { mediumType: 'telephone', characteristic: { phoneNumber: '+33 1 00 00 00 00' } },
    ],
    relatedParty: [
      { id: '7', role: 'owner', name: 'Alice', '@referredType': 'Individual' },
      { id: '8', role: 'owner', name: 'Bob', '@referredType': 'Individual' },
      { id: '7', role: 'agent', name: 'Alice (agent)', '@referredType': 'Individual' },
    ],
    characteristic: [
      { name: 'loyaltyLevel', value: 3, valueType: 'number' },
      { name: 'vip', value: false, valueType: 'boolean' },
    ],
    creditProfile: [
      {
        creditProfileDate: '2024-01-01T00:00:00Z',
        creditScore: 700,
        validFor: { startDateTime: '2024-01-01T00:00:00Z' },
      },
    ],
  };
}

/** An order-like document for filters on two nested levels. */
function order(): JsonObject {
  return {
    id: 'o1',
    orderItem: [
      {
        id: '1',
        quantity: 1,
        productOffering: { id: '1513' },
        product: {
          relatedParty: [
            { id: '7894', role: 'customer', name: 'Mary' },
            { id: '1111', role: 'user', name: 'John' },
          ],
        },
      },
      {
        id: '2',
        quantity: 5,
        productOffering: { id: '1514' },
        product: { relatedParty: [{ id: '7894', role: 'customer', name: 'Mary' }] },
      },
    ],
  };
}

function run(document: JsonValue, operations: unknown[]): JsonObject {
  return applyJsonPatchQuery(document, operations) as JsonObject;
}

function failure(document: JsonValue, operations: unknown[]): PatchException {
  const snapshot = JSON.stringify(document);
  let caught: unknown;
  try {
    applyJsonPatchQuery(document, operations);
  } catch (error: unknown) {
    caught = error;
  }
  expect(JSON.stringify(document)).toBe(snapshot);
  expect(caught).toBeInstanceOf(PatchException);
  return caught as PatchException;
}

function media(document: JsonObject): JsonObject[] {
  return document.contactMedium as JsonObject[];
}

describe(applyJsonPatchQuery.name, () => {
  describe('the four spellings of one path are equivalent', () => {
    it.each([
      [
        'Part 5, dotted key',
        '/contactMedium/characteristic/contactType?contactMedium.mediumType=email',
      ],
      [
        'Part 5, pointer key',
        '/contactMedium/characteristic/contactType?/contactMedium/mediumType=email',
      ],
      ['Part 5, relative key', '/contactMedium/characteristic/contactType?mediumType=email'],
      ['JSONPath with $', "$.contactMedium[?(@.mediumType=='email')].characteristic.contactType"],
      ['JSONPath without $', 'contactMedium[?(@.mediumType=="email")].characteristic.contactType'],
      ['slash hybrid', "/contactMedium[?(@.mediumType=='email')]/characteristic/contactType"],
    ])('%s', (_label, path) => {
      const result = run(customer(), [{ op: 'replace', path, value: 'billing' }]);
      const expected = customer();
      media(expected)[0].characteristic = {
        emailAddress: 'info@moon.example',
        contactType: 'billing',
      };
      media(expected)[2].characteristic = {
        emailAddress: 'sales@moon.example',
        contactType: 'billing',
      };
      expect(result).toEqual(expected);
    });

    it('a plain pointer keeps exact RFC 6902 semantics', () => {
      const result = run(customer(), [
        { op: 'replace', path: '/contactMedium/1/characteristic/city', value: 'Lyon' },
        { op: 'add', path: '/contactMedium/0', value: { mediumType: 'fax', characteristic: {} } },
      ]);
      expect(media(result)[0]).toEqual({ mediumType: 'fax', characteristic: {} });
      expect(media(result)[2].characteristic).toMatchObject({ city: 'Lyon' });
      expect(media(result)).toHaveLength(5);
    });
  });

  describe('replace', () => {
    it('changes the one matching element', () => {
      const result = run(customer(), [
        {
          op: 'replace',
          path: "$.contactMedium[?(@.mediumType=='postalAddress')].characteristic.city",
          value: 'Lyon',
        },
      ]);
      expect(media(result)[1].characteristic).toEqual({
        city: 'Lyon',
        country: 'France',
        street1: '1 rue de la Lune',
      });
    });

    it('combines conditions with && on one element', () => {
      const result = run(customer(), [
        {
          op: 'replace',
          path: "$.relatedParty[?(@.role=='owner' && @.id=='7')].name",
          value: 'Alice Smith',
        },
      ]);
      expect((result.relatedParty as JsonObject[]).map((party) => party.name)).toEqual([
        'Alice Smith',
        'Bob',
        'Alice (agent)',
      ]);
    });

    it('supports ||, ! and parentheses', () => {
      const result = run(customer(), [
        {
          op: 'replace',
          path: "$.relatedParty[?(!(@.role=='owner') || (@.id=='8' && @.name!='x'))].role",
          value: 'changed',
        },
      ]);
      expect((result.relatedParty as JsonObject[]).map((party) => party.role)).toEqual([
        'owner',
        'changed',
        'changed',
      ]);
    });

    it('filters on numbers and booleans with ordering operators', () => {
      const result = run(customer(), [
        { op: 'replace', path: '$.characteristic[?(@.value >= 2)].value', value: 4 },
        { op: 'replace', path: '$.characteristic[?(@.value == false)].value', value: true },
        {
          op: 'add',
          path: '$.creditProfile[?(@.creditScore > 650)].creditRiskRating',
          value: 1,
        },
      ]);
      expect(result.characteristic).toEqual([
        { name: 'loyaltyLevel', value: 4, valueType: 'number' },
        { name: 'vip', value: true, valueType: 'boolean' },
      ]);
      expect((result.creditProfile as JsonObject[])[0].creditRiskRating).toBe(1);
    });

    it('compares strings lexicographically and never a string with a number', () => {
      const result = run(customer(), [
        { op: 'replace', path: "$.relatedParty[?(@.name < 'B')].role", value: 'first' },
      ]);
      expect((result.relatedParty as JsonObject[]).map((party) => party.role)).toEqual([
        'first',
        'owner',
        'first',
      ]);
      const error = failure(customer(), [
        { op: 'replace', path: "$.characteristic[?(@.value > '1')].value", value: 0 },
      ]);
      expect(error.code).toBe(PatchErrorCode.FilterNoMatch);
    });

    it('treats a missing member as absent: == null does not match it, != matches it', () => {
      const result = run(customer(), [
        { op: 'add', path: '$.contactMedium[?(@.preferred != true)].checked', value: true },
      ]);
      expect(media(result).map((medium) => medium.checked)).toEqual([undefined, true, true, true]);
      const error = failure(customer(), [
        { op: 'add', path: '$.contactMedium[?(@.preferred == null)].checked', value: true },
      ]);
      expect(error.code).toBe(PatchErrorCode.FilterNoMatch);
    });

    it('tests existence with a bare @ path', () => {
      const result = run(customer(), [
        { op: 'replace', path: '$.contactMedium[?(!@.preferred)].mediumType', value: 'phone' },
      ]);
      expect(media(result)[3].mediumType).toBe('phone');
    });

    it('works through filters on two nested levels', () => {
      const result = run(order(), [
        {
          op: 'replace',
          path: "$.orderItem[?(@.productOffering.id=='1513')].product.relatedParty[?(@.id=='7894')].name",
          value: 'Mary Jane',
        },
      ]);
      const items = result.orderItem as JsonObject[];
      expect((items[0].product as JsonObject).relatedParty).toEqual([
        { id: '7894', role: 'customer', name: 'Mary Jane' },
        { id: '1111', role: 'user', name: 'John' },
      ]);
      expect(items[1]).toEqual((order().orderItem as JsonObject[])[1]);
    });

    it('selects by a nested @ path with an index', () => {
      const result = run(order(), [
        {
          op: 'replace',
          path: "$.orderItem[?(@.product.relatedParty[1].id=='1111')].quantity",
          value: 3,
        },
      ]);
      expect((result.orderItem as JsonObject[]).map((item) => item.quantity)).toEqual([3, 5]);
    });

    it('filters a single object (engagedParty) by testing the object itself', () => {
      const result = run(customer(), [
        { op: 'replace', path: "$.engagedParty[?(@.id=='7')].name", value: 'Moon Football Club' },
      ]);
      expect((result.engagedParty as JsonObject).name).toBe('Moon Football Club');
      expect(
        failure(customer(), [
          { op: 'replace', path: "$.engagedParty[?(@.id=='8')].name", value: 'x' },
        ]).code,
      ).toBe(PatchErrorCode.FilterNoMatch);
    });
  });

  describe('several and zero matches', () => {
    it('applies the operation to every matched node', () => {
      const result = run(customer(), [
        {
          op: 'replace',
          path: "$.relatedParty[?(@.id=='7')].@referredType",
          value: 'Organization',
        },
      ]);
      expect((result.relatedParty as JsonObject[]).map((party) => party['@referredType'])).toEqual([
        'Organization',
        'Individual',
        'Organization',
      ]);
    });

    it('removes every matched element, whatever their positions', () => {
      const result = run(customer(), [
        { op: 'remove', path: "$.contactMedium[?(@.mediumType=='email')]" },
      ]);
      expect(media(result).map((medium) => medium.mediumType)).toEqual([
        'postalAddress',
        'telephone',
      ]);
    });

    it('removes matched elements with the Part 5 form', () => {
      const result = run(customer(), [
        { op: 'remove', path: '/relatedParty?relatedParty.role=owner' },
      ]);
      expect(result.relatedParty).toEqual([
        { id: '7', role: 'agent', name: 'Alice (agent)', '@referredType': 'Individual' },
      ]);
    });

    it('fails the whole patch with 409 when a filter matches nothing', () => {
      const error = failure(customer(), [
        { op: 'replace', path: '/name', value: 'changed first' },
        { op: 'replace', path: "$.contactMedium[?(@.mediumType=='fax')].preferred", value: true },
      ]);
      expect(error.code).toBe(PatchErrorCode.FilterNoMatch);
      expect(error.kind).toBe(ErrorKind.Conflict);
      expect(error.operationIndex).toBe(1);
      expect(error.message).toContain(
        `Operation 1 (replace "$.contactMedium[?(@.mediumType=='fax')].preferred")`,
      );
    });

    it('fails with 409 when the Part 5 query matches nothing', () => {
      const error = failure(customer(), [
        {
          op: 'replace',
          path: '/contactMedium/preferred?contactMedium.mediumType=fax',
          value: true,
        },
      ]);
      expect(error.code).toBe(PatchErrorCode.FilterNoMatch);
    });

    it('fails with 409 when the selected element lacks the target member', () => {
      const error = failure(customer(), [
        {
          op: 'replace',
          path: "$.contactMedium[?(@.mediumType=='telephone')].preferred",
          value: true,
        },
      ]);
      expect(error.kind).toBe(ErrorKind.Conflict);
    });

    it('leaves the input untouched when the 3rd of 4 operations fails', () => {
      const document = customer();
      const error = failure(document, [
        { op: 'replace', path: "$.relatedParty[?(@.id=='8')].name", value: 'Robert' },
        { op: 'remove', path: "$.contactMedium[?(@.mediumType=='telephone')]" },
        { op: 'test', path: "$.contactMedium[?(@.mediumType=='email')].preferred", value: true },
        { op: 'add', path: '/status', value: 'Validated' },
      ]);
      expect(error.code).toBe(PatchErrorCode.TestFailed);
      expect(error.operationIndex).toBe(2);
      expect(document).toEqual(customer());
    });
  });

  describe('add', () => {
    it('creates a member in every matched element (Part 5 example)', () => {
      const result = run(customer(), [
        {
          op: 'add',
          path: '/contactMedium/validFor?contactMedium.mediumType=email',
          value: { startDateTime: 'x' },
        },
      ]);
      expect(media(result).map((medium) => medium.validFor)).toEqual([
        { startDateTime: 'x' },
        undefined,
        { startDateTime: 'x' },
        undefined,
      ]);
    });

    it('merges an object into a matched object element (Part 6 example)', () => {
      const result = run(customer(), [
        {
          op: 'add',
          path: "$.contactMedium[?(@.mediumType=='postalAddress')]",
          value: { preferred: true, '@type': 'ContactMedium' },
        },
      ]);
      expect(media(result)[1]).toEqual({
        mediumType: 'postalAddress',
        preferred: true,
        '@type': 'ContactMedium',
        characteristic: { city: 'Paris', country: 'France', street1: '1 rue de la Lune' },
      });
      expect(media(result)).toHaveLength(4);
    });

    it('rejects a non-object value onto matched elements with 400', () => {
      const error = failure(customer(), [
        { op: 'add', path: "$.contactMedium[?(@.mediumType=='email')]", value: 'x' },
      ]);
      expect(error.code).toBe(PatchErrorCode.Malformed);
      expect(error.kind).toBe(ErrorKind.BadRequest);
    });

    it('appends to an existing array named without a filter', () => {
      const result = run(customer(), [
        { op: 'add', path: '$.relatedParty', value: { id: '9', role: 'agent', name: 'Carol' } },
      ]);
      expect((result.relatedParty as JsonObject[]).at(-1)).toEqual({
        id: '9',
        role: 'agent',
        name: 'Carol',
      });
    });

    it('appends with - in the hybrid spelling, inside a matched element', () => {
      const document = order();
      const result = run(document, [
        {
          op: 'add',
          path: "/orderItem[?(@.id=='2')]/product/relatedParty/-",
          value: { id: '5', role: 'user' },
        },
      ]);
      const items = result.orderItem as JsonObject[];
      expect((items[1].product as JsonObject).relatedParty).toHaveLength(2);
      expect((items[0].product as JsonObject).relatedParty).toHaveLength(2);
    });

    it('fails with 409 when the parent of the new member matches nothing', () => {
      const error = failure(customer(), [
        { op: 'add', path: "$.contactMedium[?(@.mediumType=='fax')].preferred", value: true },
      ]);
      expect(error.code).toBe(PatchErrorCode.FilterNoMatch);
    });

    it('adds to a scalar filtered by its own value (Part 5 on a scalar)', () => {
      const result = run(customer(), [
        { op: 'replace', path: '/status?status=Approved', value: 'Validated' },
      ]);
      expect(result.status).toBe('Validated');
      expect(
        failure(customer(), [{ op: 'replace', path: '/status?status=Initialized', value: 'x' }])
          .code,
      ).toBe(PatchErrorCode.FilterNoMatch);
    });
  });

  describe('test', () => {
    it('passes when every matched node equals the value', () => {
      const document = customer();
      expect(
        run(document, [
          {
            op: 'test',
            path: "$.relatedParty[?(@.role=='owner')].@referredType",
            value: 'Individual',
          },
          { op: 'test', path: '/contactMedium/mediumType?preferred=true', value: 'email' },
        ]),
      ).toEqual(customer());
    });

    it('fails with 409 when one matched node differs', () => {
      const error = failure(customer(), [
        { op: 'test', path: "$.relatedParty[?(@.role=='owner')].name", value: 'Alice' },
      ]);
      expect(error.code).toBe(PatchErrorCode.TestFailed);
      expect(error.kind).toBe(ErrorKind.Conflict);
    });
  });

  describe('move and copy', () => {
    it('copies from a filter that selects one node', () => {
      const result = run(customer(), [
        {
          op: 'copy',
          from: "$.contactMedium[?(@.characteristic.contactType=='sales')].characteristic.emailAddress",
          path: "$.contactMedium[?(@.mediumType=='postalAddress')].characteristic.emailAddress",
        },
      ]);
      expect(media(result)[1].characteristic).toMatchObject({ emailAddress: 'sales@moon.example' });
      expect(media(result)[2].characteristic).toMatchObject({ emailAddress: 'sales@moon.example' });
    });

    it('moves a matched element to the end of another array', () => {
      const result = run(customer(), [
        { op: 'add', path: '/formerContactMedium', value: [] },
        {
          op: 'move',
          from: "$.contactMedium[?(@.mediumType=='telephone')]",
          path: '/formerContactMedium/-',
        },
      ]);
      expect(media(result)).toHaveLength(3);
      expect(result.formerContactMedium).toEqual([
        { mediumType: 'telephone', characteristic: { phoneNumber: '+33 1 00 00 00 00' } },
      ]);
    });

    it('keeps RFC add semantics for a plain pointer target even when from is a filter', () => {
      const result = run(customer(), [
        { op: 'copy', from: "$.relatedParty[?(@.role=='agent')]", path: '/relatedParty' },
      ]);
      expect(result.relatedParty).toEqual({
        id: '7',
        role: 'agent',
        name: 'Alice (agent)',
        '@referredType': 'Individual',
      });
    });

    it('fails with 409 when from selects several nodes', () => {
      const error = failure(customer(), [
        { op: 'copy', from: "$.contactMedium[?(@.mediumType=='email')]", path: '/x' },
      ]);
      expect(error.code).toBe(PatchErrorCode.FromNotUnique);
      expect(error.kind).toBe(ErrorKind.Conflict);
    });

    it('fails with 409 when from selects nothing', () => {
      const error = failure(customer(), [
        { op: 'move', from: "$.contactMedium[?(@.mediumType=='fax')]", path: '/x' },
      ]);
      expect(error.code).toBe(PatchErrorCode.FilterNoMatch);
    });
  });

  describe('wildcards and indexes', () => {
    it('applies to every element with [*]', () => {
      const result = run(customer(), [
        { op: 'add', path: '$.contactMedium[*].@type', value: 'ContactMedium' },
      ]);
      expect(media(result).every((medium) => medium['@type'] === 'ContactMedium')).toBe(true);
    });

    it('addresses one element with [n]', () => {
      const result = run(customer(), [
        { op: 'replace', path: '$.contactMedium[1].preferred', value: true },
      ]);
      expect(media(result)[1].preferred).toBe(true);
    });
  });

  it('applies the README example patch', () => {
    const result = run(customer(), [
      { op: 'test', path: '/contactMedium[?(@.preferred==true)]/mediumType', value: 'email' },
      {
        op: 'replace',
        path: "$.contactMedium[?(@.mediumType=='email')].characteristic.emailAddress",
        value: 'new@moon.example',
      },
      {
        op: 'replace',
        path: "$.relatedParty[?(@.role=='owner' && @.id=='7')].name",
        value: 'Alice Smith',
      },
      { op: 'remove', path: '/relatedParty?relatedParty.role=agent' },
      {
        op: 'add',
        path: "$.contactMedium[?(@.mediumType=='postalAddress')]",
        value: { preferred: true },
      },
      {
        op: 'copy',
        from: "$.contactMedium[?(@.characteristic.contactType=='main')].characteristic.emailAddress",
        path: "$.contactMedium[?(@.mediumType=='postalAddress')].characteristic.emailAddress",
      },
    ]);
    expect(media(result).map((medium) => medium.preferred)).toEqual([true, true, false, undefined]);
    expect(
      media(result).map((medium) => (medium.characteristic as JsonObject).emailAddress),
    ).toEqual(['new@moon.example', 'new@moon.example', 'new@moon.example', undefined]);
    expect((result.relatedParty as JsonObject[]).map((party) => party.name)).toEqual([
      'Alice Smith',
      'Bob',
    ]);
  });

  describe('Part 5 details', () => {
    it('searches nested arrays in keys element by element (TMF630 Part 5 orderItem example)', () => {
      const result = run(order(), [
        {
          op: 'replace',
          path: '/orderItem/quantity?orderItem.productOffering.id=1513&orderItem.product.relatedParty.role=customer&orderItem.product.relatedParty.name=Mary',
          value: 25,
        },
      ]);
      expect((result.orderItem as JsonObject[]).map((item) => item.quantity)).toEqual([25, 5]);
    });

    it('filters the deepest array the path shares with the key', () => {
      const result = run(order(), [
        {
          op: 'replace',
          path: '/orderItem/product/relatedParty/name?orderItem.product.relatedParty.id=1111',
          value: 'Johnny',
        },
      ]);
      const parties = (result.orderItem as JsonObject[]).map(
        (item) => (item.product as JsonObject).relatedParty as JsonObject[],
      );
      expect(parties.flat().map((party) => party.name)).toEqual(['Mary', 'Johnny', 'Mary']);
    });

    it('compares numbers and booleans by their JSON text', () => {
      const result = run(customer(), [
        {
          op: 'replace',
          path: '/characteristic/valueType?characteristic.value=3',
          value: 'integer',
        },
        { op: 'replace', path: '/contactMedium/preferred?preferred=false', value: true },
      ]);
      expect((result.characteristic as JsonObject[])[0].valueType).toBe('integer');
      expect(media(result).map((medium) => medium.preferred)).toEqual([
        true,
        true,
        true,
        undefined,
      ]);
    });
  });

  describe('hybrid details', () => {
    it('unescapes ~0 and ~1 in hybrid tokens', () => {
      const document = { list: [{ id: 1, 'a/b': { '~c': 1 } }] };
      const result = run(document, [
        { op: 'replace', path: '/list[?(@.id==1)]/a~1b/~0c', value: 2 },
      ]);
      expect(result).toEqual({ list: [{ id: 1, 'a/b': { '~c': 2 } }] });
    });

    it('uses a numeric hybrid token as an array index', () => {
      const result = run(order(), [
        {
          op: 'replace',
          path: "/orderItem[?(@.id=='1')]/product/relatedParty/1/role",
          value: 'payer',
        },
      ]);
      const parties = ((result.orderItem as JsonObject[])[0].product as JsonObject)
        .relatedParty as JsonObject[];
      expect(parties[1].role).toBe('payer');
    });
  });

  describe('malformed and forbidden paths', () => {
    it.each([
      ['$..emailAddress', PatchErrorCode.Malformed],
      ['$.contactMedium[(@.length-1)]', PatchErrorCode.Malformed],
      ["$.contactMedium[?(@.mediumType.toUpperCase()=='EMAIL')]", PatchErrorCode.Malformed],
      ['$.contactMedium[?(@.mediumType=~/mail/)]', PatchErrorCode.Malformed],
      ['$.__proto__.polluted', PatchErrorCode.ForbiddenPath],
      ['/contactMedium[?(@.x==1)]/constructor/prototype', PatchErrorCode.ForbiddenPath],
    ])('rejects %s with 400', (path, code) => {
      const error = failure(customer(), [{ op: 'replace', path, value: 1 }]);
      expect(error.code).toBe(code);
      expect(error.kind).toBe(ErrorKind.BadRequest);
      expect(error.message).toContain('Operation 0');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('rejects merging a __proto__ or constructor member into a matched element', () => {
      const value = JSON.parse('{"constructor": {"prototype": {"polluted": 1}}}') as JsonValue;
      const error = failure(customer(), [
        { op: 'add', path: "$.contactMedium[?(@.mediumType=='email')]", value },
      ]);
      expect(error.code).toBe(PatchErrorCode.ForbiddenPath);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('validates the operation shape first', () => {
      const error = failure(customer(), [{ op: 'move', path: '/x' }]);
      expect(error.code).toBe(PatchErrorCode.Malformed);
      expect(error.message).toContain('Operation 0');
    });
  });
});
