import {
  ELEMENT_ROWS,
  extractTokenRows,
  indexPathId,
  repeatMarker,
  valueToken,
} from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';

// The element-row layout (ADR 0007), which the migrations before ADR 0014 write.
describe('repeat markers of the token index', () => {
  const email = valueToken(indexPathId('contactMedium.mediumType'), 's', 'email');
  const phone = valueToken(indexPathId('contactMedium.mediumType'), 's', 'phone');
  const customer = {
    id: 'c1',
    contactMedium: [
      { mediumType: 'email', characteristic: { emailAddress: 'a@x.example' } },
      { mediumType: 'phone', characteristic: { phoneNumber: '1' } },
      { mediumType: 'email', characteristic: { emailAddress: 'b@x.example' } },
      { mediumType: 'email', characteristic: { emailAddress: 'a@x.example' } },
    ],
  };
  const words = (tokens: string) => tokens.split(' ');

  it('mark in each row the tokens an earlier element of the array holds, once', () => {
    const rows = extractTokenRows(customer, customerSqlStorage, ELEMENT_ROWS).filter(
      (row) => row.slot > 0,
    );
    expect(rows).toHaveLength(4);
    const marked = rows.map((row) => words(row.tokens).filter((w) => w.endsWith('w')));
    expect(marked[0]).toEqual([]);
    expect(marked[1]).toEqual([]);
    expect(marked[2]).toEqual([repeatMarker(email)]);
    const address = valueToken(
      indexPathId('contactMedium.characteristic.emailAddress'),
      's',
      'a@x.example',
    );
    expect(marked[3].sort()).toEqual([repeatMarker(email), repeatMarker(address)].sort());
    // One row per customer holds a token without its marker: the first.
    for (const token of [email, phone, address]) {
      const first = rows.filter((row) => {
        const w = words(row.tokens);
        return w.includes(token) && !w.includes(repeatMarker(token));
      });
      expect(first).toHaveLength(1);
    }
  });

  it('are left out on request (the format before them), with the same rows and slots', () => {
    const plain = extractTokenRows(customer, customerSqlStorage, {
      ...ELEMENT_ROWS,
      repeats: false,
    });
    const marked = extractTokenRows(customer, customerSqlStorage, ELEMENT_ROWS);
    expect(plain.map((row) => row.slot)).toEqual(marked.map((row) => row.slot));
    const arrays = plain.filter((row) => row.slot > 0);
    expect(arrays.every((row) => words(row.tokens).every((w) => w.length === 13))).toBe(true);
  });
});
