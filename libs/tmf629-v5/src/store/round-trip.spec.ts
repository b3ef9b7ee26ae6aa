import fc from 'fast-check';

import { cloneJson, jsonEqual } from '@app/json-patch';
import { isJsonObject, JsonObject, JsonValue } from '@app/tmf-common/core';

import { ELEMENT_ARRAYS } from '@app/tmf629-v5/mapping/v5-types';
import {
  anyValue,
  chaosCustomer,
  v4Document,
  v5Customer,
} from '@app/tmf629-v5/testing/arbitraries';

import { StoredCustomer, storeV4, storeV5, v5View } from './stored-customer';

// Property-based round trips through the one store (docs/v5.md, "Lossless in both directions").

const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 300) };

function arrayOf(document: JsonObject, key: string): JsonObject[] {
  const value = document[key];
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

/** An edit of one customer through one version, and what it must leave alone. */
interface Edit {
  apply(document: JsonObject): JsonObject;
  /** The array and index of the element it removed or changed (undefined: none). */
  touched?: { array: string; index: number; removed: boolean };
}

/** Random edits a client of either version makes, on the document of that version. */
function editOf(document: JsonObject): fc.Arbitrary<Edit> {
  const arrays = ELEMENT_ARRAYS.filter((a) => arrayOf(document, a).length > 0);
  const rootEdit = fc
    .tuple(fc.constantFrom('name', 'status', 'statusReason'), fc.constantFrom('new', 'other'))
    .map(([key, value]): Edit => ({ apply: (d) => ({ ...d, [key]: value }) }));
  if (arrays.length === 0) {
    return rootEdit;
  }
  const element = fc
    .constantFrom(...arrays)
    .chain((array) => fc.tuple(fc.constant(array), fc.nat(arrayOf(document, array).length - 1)));
  const removal = element.map(([array, index]): Edit => ({
    touched: { array, index, removed: true },
    apply: (d) => ({ ...d, [array]: arrayOf(d, array).filter((_, i) => i !== index) }),
  }));
  const change = fc.tuple(element, anyValue).map(([[array, index], value]): Edit => ({
    touched: { array, index, removed: false },
    // `preferred` and `value` mean the same in both versions; other arrays get a new attribute
    // through an extension-free path: the element's `name` (references, characteristics).
    apply: (d) => ({
      ...d,
      [array]: arrayOf(d, array).map((e, i) => {
        if (i !== index) {
          return e;
        }
        const key =
          array === 'contactMedium' ? 'preferred' : array === 'characteristic' ? 'value' : 'name';
        const next: JsonValue =
          key === 'preferred' ? e.preferred !== true : key === 'value' ? value : 'renamed';
        return array === 'relatedParty' && 'partyOrPartyRole' in e
          ? { ...e, partyOrPartyRole: { ...(e.partyOrPartyRole as JsonObject), name: 'renamed' } }
          : { ...e, [key]: next };
      }),
    }),
  }));
  const reversal = fc.constantFrom(...arrays).map((array): Edit => ({
    apply: (d) => ({ ...d, [array]: [...arrayOf(d, array)].reverse() }),
  }));
  return fc.oneof(rootEdit, removal, change, reversal);
}

/** The elements an edit left alone, in the order the edit leaves them. */
function untouched(before: JsonObject, edit: Edit, array: string): JsonObject[] {
  const elements = arrayOf(before, array).filter(
    (_, i) => edit.touched?.array !== array || edit.touched.index !== i,
  );
  const after = edit.apply(before);
  return arrayOf(after, array).filter((e) => elements.some((k) => jsonEqual(k, e)));
}

describe('round trips through the one store', () => {
  it('v5 → store → v5 gives every v5 customer back exactly', () => {
    fc.assert(
      fc.property(v5Customer, (customer) => {
        expect(v5View(storeV5(customer))).toStrictEqual(customer);
      }),
      RUNS,
    );
  });

  it('v5 → store → v5 holds for any object made of customer attribute names (totality)', () => {
    fc.assert(
      fc.property(chaosCustomer, (customer) => {
        expect(jsonEqual(v5View(storeV5(customer)), customer)).toBe(true);
      }),
      RUNS,
    );
  });

  it('v4 → v5 → store: writing the unchanged v5 view back changes nothing', () => {
    fc.assert(
      fc.property(v4Document, (document) => {
        const stored: StoredCustomer = { document };
        expect(storeV5(v5View(stored), stored)).toStrictEqual(stored);
      }),
      RUNS,
    );
  });

  it('a v5 write keeps every v4-only detail it did not touch', () => {
    fc.assert(
      fc.property(
        v4Document.chain((document) =>
          fc.tuple(fc.constant(document), editOf(v5View({ document }))),
        ),
        ([document, edit]) => {
          const before: StoredCustomer = { document };
          const view = v5View(before);
          const wanted = edit.apply(view);
          const after = storeV5(wanted, before);
          // The write took effect, as v5 sees it ...
          expect(jsonEqual(v5View(after), wanted)).toBe(true);
          // ... the engaged party (with its v4 role and @type) is untouched ...
          expect(after.document.engagedParty).toStrictEqual(document.engagedParty);
          // ... and each element the edit left alone is stored exactly as before, v4-only details
          // (mediumType spellings, stray medium fields, v4 @types, roles) included.
          for (const array of ELEMENT_ARRAYS) {
            const kept = untouched(view, edit, array).map((v) => {
              const i = arrayOf(view, array).findIndex((e) => jsonEqual(e, v));
              return arrayOf(document, array)[i];
            });
            for (const element of kept) {
              expect(arrayOf(after.document, array)).toContainEqual(element);
            }
          }
        },
      ),
      RUNS,
    );
  });

  it('a v4 write keeps every v5-only detail it did not touch', () => {
    fc.assert(
      fc.property(
        v5Customer.chain((customer) => {
          const stored = storeV5(customer);
          return fc.tuple(fc.constant(customer), fc.constant(stored), editOf(stored.document));
        }),
        ([customer, stored, edit]) => {
          const document = edit.apply(cloneJson(stored.document));
          const after = v5View(storeV4(document, stored));
          // description, role, partyRoleSpecification, the engaged party's @type ...
          for (const key of ['description', 'role', 'partyRoleSpecification', 'engagedParty']) {
            expect(after[key]).toStrictEqual(customer[key]);
          }
          // ... and every element the v4 write left alone is the v5 element it was (ids, typed
          // characteristics, wrappers, geographic address refs).
          for (const array of ELEMENT_ARRAYS) {
            const keptV4 = untouched(stored.document, edit, array);
            const v4Before = arrayOf(stored.document, array);
            const v5Before = arrayOf(customer, array);
            for (const element of keptV4) {
              expect(arrayOf(after, array)).toContainEqual(
                v5Before[v4Before.findIndex((e) => jsonEqual(e, element))],
              );
            }
          }
        },
      ),
      RUNS,
    );
  });

  it("a changed element keeps its v5 id, and its v5 type while v4 leaves the value's type", () => {
    const customer: JsonObject = {
      '@type': 'Customer',
      name: 'Moon',
      engagedParty: { '@type': 'PartyRef', id: '1' },
      characteristic: [{ '@type': 'FloatCharacteristic', id: 'c1', name: 'rate', value: 1.5 }],
    };
    const stored = storeV5(customer);
    const withValue = (value: JsonValue): JsonObject => ({
      ...stored.document,
      characteristic: [{ name: 'rate', value }],
    });
    expect(v5View(storeV4(withValue(2.5), stored)).characteristic).toEqual([
      { '@type': 'FloatCharacteristic', id: 'c1', name: 'rate', value: 2.5 },
    ]);
    expect(v5View(storeV4(withValue('high'), stored)).characteristic).toEqual([
      { '@type': 'StringCharacteristic', id: 'c1', name: 'rate', value: 'high' },
    ]);
  });
});
