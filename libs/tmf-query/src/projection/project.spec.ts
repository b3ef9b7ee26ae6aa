import { project } from './project';

const customer = {
  id: 'c1',
  href: 'https://x/c1',
  '@type': 'Customer',
  name: 'Moon',
  status: 'approved',
  engagedParty: { id: '500', name: 'Org' },
  contactMedium: [
    { mediumType: 'email', preferred: true, characteristic: { emailAddress: 'a@b.c' } },
    { mediumType: 'phone', characteristic: { phoneNumber: '1' } },
    { preferred: false },
  ],
};

describe(project.name, () => {
  it('returns the document unchanged without fields', () => {
    expect(project(customer, undefined)).toBe(customer);
  });

  it('keeps id, href and @type with fields=none', () => {
    expect(project(customer, [])).toEqual({ id: 'c1', href: 'https://x/c1', '@type': 'Customer' });
  });

  it('selects first-level attributes and ignores unknown names', () => {
    expect(project(customer, ['name', 'bogus', 'engagedParty'])).toEqual({
      id: 'c1',
      href: 'https://x/c1',
      '@type': 'Customer',
      name: 'Moon',
      engagedParty: { id: '500', name: 'Org' },
    });
  });

  it('projects dotted paths through objects and every array element', () => {
    expect(project(customer, ['engagedParty.id', 'contactMedium.mediumType'])).toEqual({
      id: 'c1',
      href: 'https://x/c1',
      '@type': 'Customer',
      engagedParty: { id: '500' },
      contactMedium: [{ mediumType: 'email' }, { mediumType: 'phone' }, {}],
    });
    expect(
      project(customer, ['contactMedium.characteristic.emailAddress', 'contactMedium.preferred']),
    ).toMatchObject({
      contactMedium: [
        { preferred: true, characteristic: { emailAddress: 'a@b.c' } },
        {},
        { preferred: false },
      ],
    });
  });

  it('lets a whole attribute win over its sub-paths', () => {
    const projected = project(customer, ['contactMedium.mediumType', 'contactMedium']) as {
      contactMedium: unknown;
    };
    expect(projected.contactMedium).toBe(customer.contactMedium);
  });

  it('drops objects in which nothing was selected', () => {
    expect(project(customer, ['engagedParty.bogus', 'name.x'])).toEqual({
      id: 'c1',
      href: 'https://x/c1',
      '@type': 'Customer',
    });
  });

  it('does not modify the input and accepts other always-kept names', () => {
    const copy = JSON.parse(JSON.stringify(customer));
    expect(project(customer, ['status'], ['eventId'])).toEqual({ status: 'approved' });
    expect(customer).toEqual(copy);
  });
});
