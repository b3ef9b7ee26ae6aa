import 'reflect-metadata';

import { DocumentValidator, documentSchema, validateDocument } from '@app/tmf-common';
import { fullCustomer, minimalCustomer } from '@test/fixtures/customers';
import { realisticCustomer } from '@test/fixtures/realistic-customers';

import { CustomerCreateDto } from './customer-create.dto';

// The compiled validator must accept exactly what class-validator accepts: it decides alone for
// valid documents (the hot path), so a document it wrongly accepted would be stored unchecked.
// Differential test over seeded random mutations of valid customers.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return (s >>> 0) / 0x100000000;
  };
}

const STRINGS = [
  '',
  ' ',
  'x',
  'x'.repeat(100),
  'x'.repeat(101),
  'x'.repeat(512),
  'x'.repeat(513),
  '😀'.repeat(100), // 200 UTF-16 units, 100 characters for class-validator
  '😀'.repeat(101),
  `${'x'.repeat(99)}\uFE0F`,
  '\u0000',
  '\uD800',
  '2024-01-01T00:00:00Z',
  '2024-02-29T23:59:60+01:00',
  '2023-02-29T00:00:00Z',
  '2024-01-01T24:00:00Z',
  '2024-01-01T00:00:00',
  '2024-01-01',
  '2024-01-01t00:00:00z',
  '2024-01-01T00:00:00.123456+23:59',
  '2024-01-01T00:00:00+24:00',
  'https://example.com/schema.json',
];
const UNKNOWN_KEYS = ['foo', '@schemaLocation', 'constructor', 'toString', 'id', 'x-extension'];

function scalar(next: () => number): Json {
  const pick = Math.floor(next() * 12);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return Math.floor(next() * 2000) - 1000;
    case 3:
      return [1.5, -0, 1e21, 2 ** 53, 0.1][Math.floor(next() * 5)];
    case 4:
      return [];
    case 5:
      return {};
    case 6:
      return [{}];
    default:
      return STRINGS[Math.floor(next() * STRINGS.length)];
  }
}

function containers(value: Json, out: (Json[] | { [key: string]: Json })[] = []) {
  if (value !== null && typeof value === 'object') {
    out.push(value);
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      containers(child, out);
    }
  }
  return out;
}

function mutate(document: Json, next: () => number, times: number): Json {
  const copy = structuredClone(document);
  for (let i = 0; i < times; i++) {
    const all = containers(copy);
    const target = all[Math.floor(next() * all.length)];
    if (Array.isArray(target)) {
      if (target.length > 0 && next() < 0.6) {
        target[Math.floor(next() * target.length)] = scalar(next);
      } else {
        target.push(next() < 0.5 ? scalar(next) : {});
      }
      continue;
    }
    const keys = Object.keys(target);
    const action = next();
    if (action < 0.15 && keys.length > 0) {
      delete target[keys[Math.floor(next() * keys.length)]];
    } else if (action < 0.3) {
      target[UNKNOWN_KEYS[Math.floor(next() * UNKNOWN_KEYS.length)]] =
        next() < 0.5 ? STRINGS[Math.floor(next() * STRINGS.length)] : scalar(next);
    } else if (keys.length > 0) {
      target[keys[Math.floor(next() * keys.length)]] = scalar(next);
    }
  }
  return copy;
}

describe('compiled Customer validation', () => {
  const validator = new DocumentValidator(CustomerCreateDto, 'Customer');
  const bases = [
    minimalCustomer(),
    fullCustomer(),
    realisticCustomer(1),
    realisticCustomer(2),
  ] as Json[];

  it('accepts the valid base documents, like class-validator', () => {
    for (const base of bases) {
      expect(validateDocument(CustomerCreateDto, base, 'Customer')).toEqual([]);
      expect(validator.accepts(base)).toBe(true);
    }
  });

  it('agrees with class-validator on 20,000 mutated documents', () => {
    const next = random(629);
    let accepted = 0;
    const disagreements: unknown[] = [];
    for (let i = 0; i < 20_000; i++) {
      const document = mutate(bases[i % bases.length], next, 1 + Math.floor(next() * 3));
      const reference = validateDocument(CustomerCreateDto, document, 'Customer').length === 0;
      if (validator.accepts(document) !== reference && disagreements.length < 3) {
        disagreements.push({ reference, document });
      }
      accepted += reference ? 1 : 0;
    }
    expect(disagreements).toEqual([]);
    // Both verdicts are well represented, or the comparison would prove little.
    expect(accepted).toBeGreaterThan(2_000);
    expect(accepted).toBeLessThan(18_000);
  });

  it('refuses to compile a constraint it does not know', () => {
    class Unknown {
      value?: string;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { IsEmail } = require('class-validator') as typeof import('class-validator');
    IsEmail()(Unknown.prototype, 'value');
    expect(() => documentSchema(Unknown)).toThrow(/does not know/);
  });
});
