import {
  customerSqlStorage,
  extractColumnValues,
  extractIndexEntries,
  indexTableDdl,
  indexWriteStatements,
  prefixUpperBound,
  truncateUtf8,
  utf8Length,
} from '@app/tmf-query';

const customer = {
  id: 'c1',
  href: 'https://x/c1',
  name: 'Moon',
  status: 'approved',
  statusReason: 'x'.repeat(600),
  '@type': 'Customer',
  engagedParty: { id: '500', name: 'Org', '@referredType': 'Organization' },
  validFor: { startDateTime: '2024-01-01T01:00:00+01:00' },
  contactMedium: [
    { mediumType: 'email', preferred: true, characteristic: { emailAddress: 'a@b.c' } },
    { mediumType: 'phone', characteristic: { phoneNumber: '1' } },
  ],
  characteristic: [{ name: 'tags', value: ['x', 7, null] }],
  creditProfile: [{ creditProfileDate: 'not a date', creditScore: 700 }],
};

describe(extractIndexEntries.name, () => {
  const entries = extractIndexEntries(customer, customerSqlStorage);
  const rows = entries.map((e) => `${e.path}@${e.pos}.${e.seq}=${e.type}:${e.str ?? e.num}`);

  it('writes one row per leaf value not held in a column', () => {
    expect(rows).toEqual([
      `statusReason@0.0=s:${'x'.repeat(512)}`,
      'characteristic.name@0.0=s:tags',
      'characteristic.value@0.0=s:x',
      'characteristic.value@0.1=n:7',
      'contactMedium.mediumType@0.0=s:email',
      'contactMedium.mediumType@1.0=s:phone',
      'contactMedium.preferred@0.0=b:1',
      'contactMedium.characteristic.emailAddress@0.0=s:a@b.c',
      'contactMedium.characteristic.phoneNumber@1.0=s:1',
      'creditProfile.creditScore@0.0=n:700',
      'engagedParty.name@0.0=s:Org',
      'engagedParty.@referredType@0.0=s:Organization',
    ]);
  });

  it('keeps the whole long string aside of its indexed prefix', () => {
    const reason = entries.find((e) => e.path === 'statusReason');
    expect(reason?.full).toBe('x'.repeat(600));
    expect(entries.find((e) => e.path === 'characteristic.name')?.full).toBeNull();
  });

  it('writes the typed columns with date-times as epoch milliseconds', () => {
    expect(extractColumnValues(customer, customerSqlStorage)).toEqual({
      name: 'Moon',
      status: 'approved',
      at_type: 'Customer',
      engaged_party_id: '500',
      valid_for_start: Date.UTC(2024, 0, 1),
      valid_for_end: null,
    });
  });

  it('builds a delete then batched multi-row inserts', () => {
    const statements = indexWriteStatements(customerSqlStorage, 'c1', customer, 5);
    expect(statements[0]).toEqual({
      sql: 'DELETE FROM customer_attr WHERE customer_id = ?',
      params: ['c1'],
    });
    expect(statements).toHaveLength(1 + Math.ceil(entries.length / 5));
    expect(statements[1].sql).toMatch(
      /^INSERT INTO customer_attr \(customer_id, path, pos, seq, v_type, v_str, v_num, v_full\) VALUES \(\?, \?, \?, \?, \?, \?, \?, \?\), /,
    );
    expect(statements[1].params.slice(0, 8)).toEqual([
      'c1',
      'statusReason',
      0,
      0,
      's',
      'x'.repeat(512),
      null,
      'x'.repeat(600),
    ]);
  });

  it('has DDL for both dialects', () => {
    expect(indexTableDdl(customerSqlStorage, 'sqlite')).toHaveLength(3);
    const [mysql] = indexTableDdl(customerSqlStorage, 'mysql');
    expect(mysql).toContain('v_str VARBINARY(512)');
    expect(mysql).toContain('KEY customer_attr_str (path, v_str)');
  });
});

describe('UTF-8 helpers', () => {
  it('truncates on code point boundaries within the byte budget', () => {
    expect(truncateUtf8('abc', 2)).toBe('ab');
    expect(truncateUtf8('aé', 2)).toBe('a');
    expect(truncateUtf8('a😀b', 5)).toBe('a😀');
    expect(truncateUtf8('a😀b', 4)).toBe('a');
    expect(utf8Length('a😀')).toBe(5);
  });

  it('finds the upper bound of a prefix range', () => {
    expect(prefixUpperBound('ab')).toBe('ac');
    expect(prefixUpperBound('a\uD7FF')).toBe('a\uE000');
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
    expect(prefixUpperBound('\u{10FFFF}')).toBeUndefined();
  });
});
