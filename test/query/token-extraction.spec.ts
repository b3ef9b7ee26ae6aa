import {
  arrayElements,
  bucketTokens,
  copyToken,
  countedTokens,
  elementValues,
  ELEMENT_ROWS,
  extractTokenRows,
  layoutOf,
  leafValues,
  rangeLevels,
  repeatMarker,
  SqlStorage,
  stringBucketTokens,
  StoredValue,
  TokenLeaf,
  TokenRow,
  TokenRowFormat,
  tokenRowSlots,
  valuesAt,
  valueToken,
} from '@app/tmf-query';
import { createRandom } from '@app/tmf-query/testing/random';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { generateCustomers } from '@test/fixtures/generated-customers';
import { realisticCustomer } from '@test/fixtures/realistic-customers';

/**
 * The token rows are what the index holds and what every write nets against: the extraction must
 * give exactly the rows of the straightforward walk below (the evaluator's own walker, every leaf
 * of the layout read through `valuesAt` / `elementValues`), whatever the document holds.
 */
function referenceRows(
  document: unknown,
  format: TokenRowFormat = {},
  storage: SqlStorage = customerSqlStorage,
): TokenRow[] {
  const { repeats = true, copies = true, fineDates = true, oneRow = true } = format;
  const marked = storage.tokenIndex?.oneRow?.markedElements ?? 0;
  const layout = layoutOf(storage);
  const dateLevels = rangeLevels('d', fineDates);
  const push = (
    out: string[],
    leaf: TokenLeaf,
    values: StoredValue[],
    valueOut?: string[],
    bucketOut?: string[],
  ) => {
    const before = out.length;
    for (const stored of values) {
      const token =
        stored.kind === 's'
          ? valueToken(leaf.pathId, 's', stored.text)
          : valueToken(leaf.pathId, stored.kind, stored.num);
      out.push(token);
      valueOut?.push(token);
      if (stored.kind === 's' && leaf.attribute.type === 'any') {
        out.push(...stringBucketTokens(leaf.pathId, stored.text));
      } else if (stored.kind === 'n') {
        out.push(...bucketTokens(leaf.pathId, 'n', stored.num));
      } else if (stored.kind === 'd') {
        out.push(...bucketTokens(leaf.pathId, 'd', stored.num, dateLevels));
      }
    }
    bucketOut?.push(...out.slice(before).filter((token) => !valueOut?.includes(token)));
  };
  const rootTokens: string[] = [];
  const rootValues: string[] = [];
  for (const leaf of layout.root) {
    push(rootTokens, leaf, valuesAt(document, leaf.attribute), rootValues);
  }
  const values: string[] = [];
  const buckets: string[] = [];
  const markedTokens: string[] = [];
  const arrayRows: TokenRow[] = [];
  let base = 1;
  for (const { sample, leaves } of layout.arrays) {
    const elements = arrayElements(document, sample);
    const earlier = new Set<string>();
    elements.forEach((element, pos) => {
      const tokens: string[] = [];
      for (const leaf of leaves) {
        push(tokens, leaf, elementValues(element, leaf.attribute), values, buckets);
      }
      if (tokens.length === 0) {
        return;
      }
      if (oneRow) {
        // One row per customer: the first elements' tokens marked on it, a later one's on its own row.
        const own = tokens.map((t) => (pos < marked ? `${t}y${pos}` : `${t}z`));
        if (pos < marked) {
          markedTokens.push(...own);
        } else {
          arrayRows.push({ slot: base + pos, tokens: own.join(' ') });
        }
        return;
      }
      if (repeats) {
        const own = tokens.length;
        const marked = new Set<string>();
        for (let i = 0; i < own; i++) {
          if (earlier.has(tokens[i]) && !marked.has(tokens[i])) {
            marked.add(tokens[i]);
            tokens.push(repeatMarker(tokens[i]));
          }
        }
        tokens.slice(0, own).forEach((token) => earlier.add(token));
      }
      arrayRows.push({ slot: base + pos, tokens: tokens.join(' ') });
    });
    base += elements.length;
  }
  const copied = copies || oneRow ? [...new Set(values.map(copyToken))] : [];
  const anyElement = oneRow ? [...new Set(buckets)] : [];
  if (rootTokens.length === 0 && copied.length === 0 && anyElement.length === 0) {
    return arrayRows;
  }
  const counted = [...new Set(rootValues), ...copied];
  const tokens = [...rootTokens, ...copied, ...anyElement, ...markedTokens];
  return [{ slot: 0, tokens: tokens.join(' '), counted }, ...arrayRows];
}

/** Replaces random subtrees by values of other JSON types (what a stored document may hold). */
function mutated(document: unknown, random: () => number): unknown {
  const odd = [null, 'text', 7, true, [], {}, [1, 'a'], [{ x: 1 }], '2024-02-30T00:00:00Z'];
  const walk = (value: unknown): unknown => {
    if (random() < 0.08) {
      return odd[Math.floor(random() * odd.length)];
    }
    if (Array.isArray(value)) {
      return value.map(walk);
    }
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    }
    return value;
  };
  return walk(document);
}

/** A customer whose arrays repeat values across and inside elements (repeat markers, copies). */
function repeating(i: number): Record<string, unknown> {
  const medium = (type: string, extra: Record<string, unknown>) => ({
    mediumType: type,
    preferred: false,
    characteristic: { contactType: 'home', ...extra },
    validFor: { startDateTime: '2024-01-01T00:00:00.000Z' },
  });
  return {
    id: `r${i}`,
    statusReason: i % 2 === 0 ? 'same' : undefined,
    engagedParty: { id: 'p', name: 'n', '@referredType': 'Individual' },
    contactMedium: [
      medium('email', { emailAddress: `a${i % 3}@x.example` }),
      medium('email', { emailAddress: `a${i % 3}@x.example` }),
      medium('phone', { phoneNumber: '1', city: 'Lyon' }),
      medium('email', { emailAddress: 'b@x.example', city: 'Lyon' }),
    ],
    characteristic: [
      { name: 'tags', value: ['a', 'a', 3, 3, true], valueType: 'array' },
      { name: 'tags', value: 'a' },
      { name: 'score', value: 3 },
    ],
    creditProfile: [
      { creditScore: 700 + (i % 2), creditRiskRating: 3 },
      { creditScore: 700, creditRiskRating: 3 },
    ],
    account: [],
  };
}

describe('token row extraction', () => {
  const documents: unknown[] = [
    ...generateCustomers(300, 3),
    ...Array.from({ length: 200 }, (_, i) => realisticCustomer(i)),
    ...Array.from({ length: 20 }, (_, i) => repeating(i)),
    {},
    { id: 'empty-arrays', contactMedium: [], characteristic: [] },
    { id: 'one', contactMedium: [{ mediumType: 'email' }] },
  ];
  const random = createRandom(17);
  const odd = generateCustomers(300, 9).map((c) => mutated(c, random));
  const formats: TokenRowFormat[] = [
    {},
    { fineDates: false },
    ELEMENT_ROWS,
    { ...ELEMENT_ROWS, repeats: false },
    { ...ELEMENT_ROWS, copies: false },
    { ...ELEMENT_ROWS, fineDates: false },
    { ...ELEMENT_ROWS, repeats: false, copies: false, fineDates: false },
  ];
  // Two marked elements: the fixtures' third and fourth elements have rows of their own.
  const fewMarks: SqlStorage = {
    ...customerSqlStorage,
    tokenIndex: { ...customerSqlStorage.tokenIndex!, oneRow: { markedElements: 2 } },
  };

  it('gives exactly the rows of the walk through every leaf, in every format', () => {
    for (const document of [...documents, ...odd]) {
      for (const format of formats) {
        expect(extractTokenRows(document, customerSqlStorage, format)).toEqual(
          referenceRows(document, format),
        );
      }
      expect(extractTokenRows(document, fewMarks)).toEqual(referenceRows(document, {}, fewMarks));
    }
  });

  it("gives a delete the slots and counted tokens of the document's rows", () => {
    for (const document of [...documents, ...odd]) {
      for (const [storage, format] of [
        [customerSqlStorage, {}],
        [customerSqlStorage, ELEMENT_ROWS],
        [fewMarks, {}],
      ] as const) {
        const rows = referenceRows(document, format, storage);
        expect(tokenRowSlots(document, storage, format)).toEqual(rows.map((row) => row.slot));
        if (rows[0]?.slot === 0) {
          expect(countedTokens(document, storage, format)).toEqual(rows[0].counted);
        }
      }
    }
  });

  it('holds a customer in one row unless an array has more elements than are marked', () => {
    expect(extractTokenRows(repeating(0), customerSqlStorage).map((r) => r.slot)).toEqual([0]);
    // contactMedium holds 4 elements (slots 4-7 in the element-row layout, arrays in name order).
    const slots = extractTokenRows(repeating(0), fewMarks).map((r) => r.slot);
    expect(slots.length).toBeGreaterThan(1);
    expect(slots[0]).toBe(0);
  });

  it('reads each leaf as the walker does, absent and wrongly typed values included', () => {
    const layout = layoutOf(customerSqlStorage);
    for (const document of [...documents, ...odd]) {
      for (const leaf of layout.root) {
        expect(leafValues(document, leaf)).toEqual(valuesAt(document, leaf.attribute));
      }
      for (const { sample, leaves } of layout.arrays) {
        for (const element of arrayElements(document, sample)) {
          for (const leaf of leaves) {
            expect(leafValues(element, leaf)).toEqual(elementValues(element, leaf.attribute));
          }
        }
      }
    }
  });

  it('marks a repeat once per row, only from earlier rows, and copies each value once', () => {
    const [slot0, ...rows] = extractTokenRows(repeating(0), customerSqlStorage, ELEMENT_ROWS);
    const words = (row: TokenRow) => row.tokens.split(' ');
    const copies = words(slot0).filter((w) => w.endsWith('x'));
    expect(new Set(copies).size).toBe(copies.length);
    // The e-mail media (1st, 2nd and 4th): the first holds no marker, each later one holds it once.
    const email = valueToken(
      layoutOf(customerSqlStorage)
        .arrays.flatMap((a) => a.leaves)
        .find((leaf) => leaf.attribute.path === 'contactMedium.mediumType')!.pathId,
      's',
      'email',
    );
    const markers = rows
      .filter((row) => words(row).includes(email))
      .map((row) => words(row).filter((w) => w === repeatMarker(email)).length);
    expect(markers).toEqual([0, 1, 1]);
  });
});
