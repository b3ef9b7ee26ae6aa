import { changedAttributes, changedPaths } from './changed-attributes';

const before = {
  id: '1',
  name: 'Moon Football Club',
  status: 'Approved',
  contactMedium: [
    { mediumType: 'email', characteristic: { emailAddress: 'a@example.com' } },
    { mediumType: 'postalAddress', characteristic: { city: 'Paris' } },
  ],
  validFor: { startDateTime: '2024-01-01T00:00:00Z' },
};

describe(changedAttributes.name, () => {
  it('is empty when nothing changed, whatever the member order', () => {
    const reordered = {
      validFor: { startDateTime: '2024-01-01T00:00:00Z' },
      contactMedium: [
        { characteristic: { emailAddress: 'a@example.com' }, mediumType: 'email' },
        { mediumType: 'postalAddress', characteristic: { city: 'Paris' } },
      ],
      status: 'Approved',
      name: 'Moon Football Club',
      id: '1',
    };
    expect(changedAttributes(before, reordered)).toEqual([]);
  });

  it('lists changed, added and removed first-level attributes, sorted', () => {
    const after = {
      ...before,
      name: 'Sun Football Club',
      status: undefined,
      contactMedium: [before.contactMedium[1], before.contactMedium[0]],
      statusReason: 'new',
    };
    delete after.status;
    expect(changedAttributes(before, after)).toEqual([
      'contactMedium',
      'name',
      'status',
      'statusReason',
    ]);
  });

  it('detects a deep change inside an attribute', () => {
    const after = structuredClone(before);
    after.contactMedium[0].characteristic.emailAddress = 'b@example.com';
    expect(changedAttributes(before, after)).toEqual(['contactMedium']);
  });

  it('treats non-objects as empty', () => {
    expect(changedAttributes(null, { a: 1 })).toEqual(['a']);
  });
});

describe(changedPaths.name, () => {
  it('lists dotted leaf paths with array indexes', () => {
    const after = structuredClone(before);
    after.contactMedium[0].characteristic.emailAddress = 'b@example.com';
    after.validFor = { startDateTime: '2024-01-01T00:00:00Z', endDateTime: 'x' } as never;
    expect(changedPaths(before, after)).toEqual([
      'contactMedium[0].characteristic.emailAddress',
      'validFor.endDateTime',
    ]);
  });

  it('reports an array whose length changed as a whole', () => {
    const after = { ...before, contactMedium: [before.contactMedium[0]] };
    expect(changedPaths(before, after)).toEqual(['contactMedium']);
  });

  it('is empty when nothing changed', () => {
    expect(changedPaths(before, structuredClone(before))).toEqual([]);
  });
});

describe('typed values', () => {
  it('compares Dates by their JSON text', () => {
    const start = { validFor: { startDateTime: new Date('2024-01-01T00:00:00Z') } };
    const same = { validFor: { startDateTime: new Date('2024-01-01T00:00:00Z') } };
    const later = { validFor: { startDateTime: new Date('2025-01-01T00:00:00Z') } };
    expect(changedAttributes(start, same)).toEqual([]);
    expect(changedAttributes(start, later)).toEqual(['validFor']);
    expect(changedPaths(start, later)).toEqual(['validFor.startDateTime']);
  });
});
