import { TMF629_V5_SPEC } from '@app/tmf629-v5';

import { customerV5Violations } from './customer-v5.validation';

const examples = TMF629_V5_SPEC.components.examples;

function withoutIdentity(value: unknown): Record<string, unknown> {
  const { id: _id, href: _href, ...rest } = value as Record<string, unknown>;
  return rest;
}

describe(customerV5Violations.name, () => {
  it("accepts the official file's create example (RelatedPartyRefOrPartyRoleRef included)", () => {
    expect(customerV5Violations(examples.Customer_Create_example_request.value)).toEqual([]);
  });

  it("accepts every customer of the official file's response examples, as a create", () => {
    const customers = [
      ...(examples.Customer_list_example_response.value as unknown[]),
      examples.Customer_retrieve_example_response.value,
      examples.Customer_Create_example_response.value,
      examples['Customer_Update_example_Merge__response'].value,
      examples['Customer_Update_example_JSON-PATCH-QUERY__response'].value,
    ];
    for (const customer of customers) {
      expect(customerV5Violations(withoutIdentity(customer))).toEqual([]);
    }
  });

  it('names every violation with its path', () => {
    const violations = customerV5Violations({
      name: '',
      engagedParty: { '@type': 'PartyRef' },
      contactMedium: [{ '@type': 'PhoneContactMedium', emailAddress: 'a@b' }],
      characteristic: [{ '@type': 'BooleanArrayCharacteristic', value: [true, 1] }],
      validFor: { startDateTime: '2024-02-01T00:00:00Z', endDateTime: '2024-01-01T00:00:00Z' },
    }).map((v) => v.message);
    expect(violations).toEqual([
      '@type is required',
      'name must be a non-empty string',
      'engagedParty.id is required',
      'unknown attribute contactMedium[0].emailAddress (not in the TMF629 v5 Customer schema)',
      'characteristic[0].value must be an array of booleans (BooleanArrayCharacteristic)',
    ]);
  });

  it('refuses reversed time periods and reserved attribute names', () => {
    const base = {
      '@type': 'Customer',
      name: 'x',
      engagedParty: { '@type': 'PartyRef', id: '1' },
    };
    expect(
      customerV5Violations({
        ...base,
        validFor: { startDateTime: '2024-02-01T00:00:00Z', endDateTime: '2024-01-01T00:00:00Z' },
      }).map((v) => v.path),
    ).toEqual(['validFor.endDateTime']);
    expect(
      customerV5Violations(JSON.parse('{"__proto__": {}, "name": "x"}')).map((v) => v.path),
    ).toEqual(['__proto__']);
  });
});
