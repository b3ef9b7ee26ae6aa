import { storeV5, v5View } from '@app/tmf629-v5/store/stored-customer';
import { MAPPING_ROWS } from '@app/tmf629-v5/testing/mapping-rows';

import { customerToV5 } from './customer.mapping';

// Every row of the mapping table in docs/v5.md (testing/mapping-rows.ts), in both directions:
// - v4 → v5: the v5 view of a v4 document holding the row's v4 form is the row's v5 form;
// - v5 → v4: storing the row's v5 form writes the row's v4 form, and the side bag the rest,
//   so the v5 view gives the v5 form back exactly.
// test/e2e/v5-round-trips.e2e-spec.ts sends the same rows through both HTTP APIs.

describe('the mapping table (docs/v5.md), row by row', () => {
  describe.each(MAPPING_ROWS)('$row', ({ v4, v5, writes = true, v5Only }) => {
    it('v4 → v5: the v5 view of the v4 document (and its side bag)', () => {
      expect(v5View({ document: v4, extension: v5Only })).toEqual(v5);
    });

    it('v5 → v4: storing the v5 customer, and reading it back exactly', () => {
      const stored = storeV5(v5);
      if (writes) {
        expect(stored.document).toEqual(v4);
      }
      expect(stored.extension).toEqual(v5Only);
      expect(v5View(stored)).toEqual(v5);
    });

    it('v4 → v5 → v4: writing the unchanged view back keeps the v4 document exactly', () => {
      const previous = v5Only ? { document: v4, extension: v5Only } : { document: v4 };
      expect(storeV5(v5View(previous), previous)).toEqual(previous);
    });
  });

  it('the plain view (without side bag) defaults a missing root @type to Customer', () => {
    expect(customerToV5({ name: 'x' })).toEqual({ '@type': 'Customer', name: 'x' });
  });
});
