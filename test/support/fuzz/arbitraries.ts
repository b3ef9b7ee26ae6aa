// Generators of hostile HTTP input for the fuzz tier: JSON values, raw JSON texts, customers
// mutated at random, JSON Patch (Query) operations and TMF630 query strings.
import fc from 'fast-check';

import { customerQuerySchema } from '@server/customer/customer.schema';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The request body limit the fuzzed server runs with (small, so oversize bodies are cheap). */
export const FUZZ_BODY_LIMIT = 65536;

const SPECIAL_STRINGS = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '-0',
  '0x10',
  'true',
  '2024-13-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  '2024-01-01T00:00:00Z',
  '2024-01-01T00:00:00+14:00',
  '9999-12-31T23:59:59.999Z',
  "' OR '1'='1",
  '"; DROP TABLE customer; --',
  '\\',
  '%',
  '%00',
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../etc/passwd',
  'http://169.254.169.254/latest/meta-data/',
  'Ω≈ç√∫',
  '𝕏𝔂𝕫',
  'e\u0301',
  '\u202eevil',
  '\ufeffbom',
  'a\u0000b',
  '\u0000',
  '\u200b',
  '\uffff',
  '\ud800',
  'x\udfffy',
  '\r\n',
];

const ODD_CHARS = [
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\u202e',
  '\ufeff',
  '\ufffd',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '😀',
  'é',
  'e\u0301',
  '"',
  '\\',
  '/',
  '%',
  '\n',
];

/** Strings a careless server chokes on: odd Unicode (NUL, lone surrogates, RTL), SQL, huge. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...ODD_CHARS), maxLength: 8 }) },
  // Around the index limit (512 bytes) and up to beyond the body limit (413).
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(100, 511, 512, 513, 2000, 20000, FUZZ_BODY_LIMIT + 1)
      .map((n) => 'é'.repeat(Math.ceil(n / 2))),
  },
);

const CUSTOMER_KEYS = [
  'id',
  'href',
  'name',
  'status',
  'statusReason',
  '@type',
  '@baseType',
  '@schemaLocation',
  'engagedParty',
  'account',
  'agreement',
  'characteristic',
  'contactMedium',
  'creditProfile',
  'paymentMethod',
  'relatedParty',
  'validFor',
  'mediumType',
  'preferred',
  'value',
  'valueType',
  'emailAddress',
  'startDateTime',
  'endDateTime',
  '@referredType',
];

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...CUSTOMER_KEYS),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '', '$ref', 'a.b', 'a[0]', '\u0000'),
  fc.string({ maxLength: 8 }),
);

const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double(), // NaN and ±Infinity become null in JSON.stringify
  fc.constantFrom(0, -0, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e-308, 5e-324, 0.1 + 0.2),
);

const scalar: fc.Arbitrary<Json> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
);

/** Any JSON value, keys and leaves drawn from the hostile sets, nesting kept shallow. */
export const hostileJson: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 5 }),
  ),
})).value;

const isoDate = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z') })
  .filter((d) => !Number.isNaN(d.getTime()))
  .map((d) => d.toISOString());

/** A customer the server accepts (TMF629B profile), varied in shape. */
export const validCustomer: fc.Arbitrary<Record<string, Json>> = fc.record(
  {
    name: fc.string({ minLength: 1, maxLength: 30 }),
    engagedParty: fc.record({
      id: fc.string({ minLength: 1, maxLength: 10 }),
      '@referredType': fc.constantFrom('Organization', 'Individual'),
    }),
    status: fc.constantFrom('approved', 'validated', 'suspended', 'x'),
    statusReason: fc.string({ maxLength: 20 }),
    contactMedium: fc.array(
      fc.record(
        {
          mediumType: fc.constantFrom('email', 'phone', 'postalAddress'),
          preferred: fc.boolean(),
          characteristic: fc.record(
            {
              emailAddress: fc.string({ maxLength: 20 }),
              phoneNumber: fc.string({ maxLength: 12 }),
              city: fc.string({ maxLength: 12 }),
            },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: ['mediumType', 'characteristic'] },
      ),
      { maxLength: 3 },
    ),
    characteristic: fc.array(
      fc.record({ name: fc.string({ minLength: 1, maxLength: 10 }), value: hostileJson }),
      { maxLength: 3 },
    ),
    relatedParty: fc.array(
      fc.record({
        id: fc.string({ minLength: 1, maxLength: 8 }),
        role: fc.string({ maxLength: 8 }),
        '@referredType': fc.constantFrom('Individual', 'Organization'),
      }),
      { maxLength: 2 },
    ),
    validFor: fc.record({ startDateTime: isoDate, endDateTime: isoDate }, { requiredKeys: [] }),
  },
  { requiredKeys: ['name', 'engagedParty'] },
);

/** One random change to a document: the validation paths, not just the parser, get exercised. */
interface Mutation {
  kind: 'set' | 'delete' | 'add' | 'wrap' | 'stringify' | 'extend';
  pick: number;
  key: string;
  value: Json;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('set', 'delete', 'add', 'wrap', 'stringify', 'extend'),
  pick: fc.nat(),
  key: hostileKey,
  value: hostileJson,
});

type Container = Record<string, Json> | Json[];

function containers(value: Json, out: Container[] = []): Container[] {
  if (value !== null && typeof value === 'object') {
    out.push(value);
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      containers(child, out);
    }
  }
  return out;
}

function applyMutation(document: Record<string, Json>, m: Mutation): void {
  const all = containers(document);
  const target = all[m.pick % all.length];
  if (Array.isArray(target) && target.length === 0) {
    // Nothing to pick in an empty array (and no named member may be set on one): add to it.
    target.push(m.value);
    return;
  }
  const keys = Array.isArray(target) ? target.map((_, i) => String(i)) : Object.keys(target);
  const key = keys.length > 0 ? keys[m.pick % keys.length] : m.key;
  const slot = target as Record<string, Json>;
  switch (m.kind) {
    case 'set':
      // defineProperty: a key such as __proto__ becomes a member, not the prototype.
      Object.defineProperty(slot, key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      break;
    case 'delete':
      if (Array.isArray(target)) {
        target.splice(Number(key), 1);
      } else {
        delete slot[key];
      }
      break;
    case 'add':
      if (Array.isArray(target)) {
        target.push(m.value);
      } else {
        Object.defineProperty(slot, m.key, {
          value: m.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      break;
    case 'wrap':
      slot[key] = [slot[key] ?? null];
      break;
    case 'stringify':
      slot[key] = JSON.stringify(slot[key] ?? null) ?? 'undefined';
      break;
    case 'extend':
      document['@schemaLocation'] = 'https://example.com/VipCustomer.schema.json';
      document['@type'] = 'VipCustomer';
      Object.defineProperty(document, m.key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      break;
  }
}

/** A valid customer with 0..3 random mutations (0: the request is meant to be accepted). */
export const mutatedCustomer: fc.Arbitrary<Record<string, Json>> = fc
  .tuple(validCustomer, fc.array(mutation, { maxLength: 3 }))
  .map(([customer, mutations]) => {
    const copy = JSON.parse(JSON.stringify(customer)) as Record<string, Json>;
    mutations.forEach((m) => applyMutation(copy, m));
    return copy;
  });

function nested(levels: number, open: string, close: string, inner: string): string {
  return open.repeat(levels) + inner + close.repeat(levels);
}

const CUSTOMER_PREFIX = '{"name":"fuzz","engagedParty":{"id":"1","@referredType":"Organization"}';

/** JSON texts no JSON.stringify produces: broken, ambiguous or resource-hungry. */
export const hostileJsonText: fc.Arbitrary<string | Buffer> = fc.oneof(
  // Truncated (a prefix of a valid customer; the whole text too, now and then).
  validCustomer.chain((c) => {
    const text = JSON.stringify(c);
    return fc.nat({ max: text.length }).map((n) => text.slice(0, n));
  }),
  // Duplicate keys: the later one wins in JSON.parse; the server must not answer 5xx either way.
  fc
    .tuple(validCustomer, fc.constantFrom(...CUSTOMER_KEYS), hostileJson, fc.boolean())
    .map(([c, key, value, first]) => {
      const text = JSON.stringify(c);
      const member = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
      return first ? `{${member},${text.slice(1)}` : `${text.slice(0, -1)},${member}}`;
    }),
  // Deep nesting, up to 10,000 levels, at the top or where any JSON value is allowed.
  fc
    .tuple(
      fc.constantFrom(10000, 5000, 1000, 101, 100, 99, 64),
      fc.constantFrom(['[', ']'], ['{"a":', '}'], ['{"value":[', ']}']),
      fc.constantFrom('top', 'characteristic', 'extension'),
    )
    .map(([levels, [open, close], where]) => {
      const deep = nested(levels, open, close, '1');
      if (where === 'top') {
        return deep;
      }
      if (where === 'characteristic') {
        return `${CUSTOMER_PREFIX},"characteristic":[{"name":"d","value":${deep}}]}`;
      }
      return `${CUSTOMER_PREFIX},"@type":"X","@schemaLocation":"https://x.example/s.json","deep":${deep}}`;
    }),
  // Numbers JSON allows syntactically and some it does not.
  fc
    .constantFrom(
      '1e400',
      '-1e400',
      '1e308',
      '123456789012345678901234567890',
      '9'.repeat(400),
      '1e-400',
      '-0',
      '01',
      '1.',
      '.5',
      '+1',
      'NaN',
      'Infinity',
      '0x10',
      '1_000',
    )
    .map((n) => `${CUSTOMER_PREFIX},"characteristic":[{"name":"n","value":${n}}]}`),
  // Escapes and raw bytes: lone surrogates, NUL, BOM, invalid UTF-8, overlong encodings.
  fc
    .constantFrom(
      '"x\\ud800y"',
      '"\\udc00"',
      '"\\ud83d\\ude00"',
      '"a\\u0000b"',
      '"\\u"',
      '"\\x41"',
      '"\\uZZZZ"',
      '"tab\there"',
    )
    .map((s) => `${CUSTOMER_PREFIX},"statusReason":${s}}`),
  fc.constantFrom(
    Buffer.concat([
      Buffer.from(`${CUSTOMER_PREFIX},"statusReason":"`),
      Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80]),
      Buffer.from('"}'),
    ]),
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${CUSTOMER_PREFIX}}`)]),
    Buffer.from(`${CUSTOMER_PREFIX},"statusReason":"a\u0000b"}`),
    Buffer.from(`${CUSTOMER_PREFIX}}`, 'utf16le'),
  ),
  // Prototype poisoning, plain and escaped.
  fc.constantFrom(
    `${CUSTOMER_PREFIX},"__proto__":{"admin":true}}`,
    `${CUSTOMER_PREFIX},"constructor":{"prototype":{"admin":true}}}`,
    `${CUSTOMER_PREFIX},"\\u005f_proto__":{"admin":true}}`,
    `${CUSTOMER_PREFIX},"engagedParty":{"id":"1","@referredType":"O","__proto__":{"x":1}}}`,
    '{"__proto__":[]}',
    '[{"op":"add","path":"/__proto__/polluted","value":true}]',
    '{"constructor":{"prototype":null}}',
  ),
  // Not a document at all, or trailing garbage.
  fc.constantFrom(
    '',
    ' ',
    '\n',
    'null',
    'true',
    '0',
    '"text"',
    '[]',
    '{}',
    '{"a":1}garbage',
    '{"a":1}{"b":2}',
    '{"a":1,}',
    "{'a':1}",
    '{a:1}',
    '\u0000',
    '[' + '1,'.repeat(20000) + '1]',
  ),
  // Oversize: beyond the body limit (413).
  fc
    .constantFrom(FUZZ_BODY_LIMIT + 1, FUZZ_BODY_LIMIT * 4)
    .map((n) => `${CUSTOMER_PREFIX},"statusReason":"${'x'.repeat(n)}"}`),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Content-Type headers, right and wrong; undefined sends none. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'APPLICATION/JSON;CHARSET=UTF-8',
      'application/merge-patch+json',
      'application/json-patch+json',
      'application/json-patch-query+json',
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=latin1',
      'application/json;',
      ' application/json ',
      'application/json, text/plain',
      'application/jsonx',
      'application/vnd.api+json',
      'application/*',
      '*/*',
      'text/plain',
      'text/json',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      ';',
      'json',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 30 }) },
);

/** Header values must be printable for the client to send them at all. */
export function sendable(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.replace(/[^\x20-\x7e]/g, '?');
}

// --- JSON Patch and JSON Patch Query ------------------------------------------------------

const POINTERS = [
  '',
  '/',
  '/name',
  '/status',
  '/statusReason',
  '/id',
  '/href',
  '/@type',
  '/engagedParty',
  '/engagedParty/id',
  '/engagedParty/@referredType',
  '/contactMedium',
  '/contactMedium/0',
  '/contactMedium/-',
  '/contactMedium/0/mediumType',
  '/contactMedium/0/characteristic/emailAddress',
  '/contactMedium/99',
  '/contactMedium/01',
  '/contactMedium/-1',
  '/characteristic/0/value',
  '/characteristic/-',
  '/validFor/startDateTime',
  '/a~1b',
  '/~2',
  '/~',
  '/__proto__/polluted',
  '/constructor/prototype/polluted',
  'name',
  '#/name',
];

const pointer: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...POINTERS) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.oneof(hostileKey, fc.nat({ max: 5 }).map(String)), { maxLength: 70 })
      .map((segments) => `/${segments.join('/')}`),
  },
  { weight: 1, arbitrary: hostileString },
);

const FILTER_PATHS = [
  "/contactMedium[?(@.mediumType=='email')]/characteristic/emailAddress",
  "$.contactMedium[?(@.mediumType=='email')].characteristic.emailAddress",
  "/characteristic[?(@.name=='segment')]/value",
  '/contactMedium[?(@.preferred==true)]',
  "/contactMedium[?(@.mediumType=='a' || @.mediumType=='b')]/mediumType",
  "/contactMedium[?(@.mediumType=='email' && @.preferred==true)]",
  "/relatedParty[?(@.role=='accountManager')]/name",
  '/contactMedium[?(@.x>1)]/y',
  '/contactMedium[?(',
  '/contactMedium[?(@)]',
  "/contactMedium[?(@.mediumType=='email')][?(@.a==1)]",
  '$..name',
  '$[*]',
  '$.contactMedium[*].mediumType',
  '/contactMedium[0]',
];

const filterPath: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FILTER_PATHS) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom('contactMedium', 'characteristic', 'relatedParty', 'x', ''),
        hostileKey,
        fc.constantFrom('==', '!=', '>', '<', '>=', '<=', '=~', '=', ' in ', ''),
        fc.oneof(
          fc.string({ maxLength: 8 }).map((s) => `'${s}'`),
          fc.integer().map(String),
          fc.constantFrom('true', 'null', "'", '"x"', '@.other', ''),
        ),
        fc.constantFrom('', '/mediumType', '/characteristic/emailAddress', '/value', '/-'),
        fc.boolean(),
      )
      .map(([array, key, op, literal, rest, dollar]) =>
        dollar
          ? `$.${array}[?(@.${key}${op}${literal})]${rest.replace(/\//g, '.')}`
          : `/${array}[?(@.${key}${op}${literal})]${rest}`,
      ),
  },
  { weight: 1, arbitrary: pointer },
);

function patchOperation(path: fc.Arbitrary<string>): fc.Arbitrary<Record<string, Json>> {
  return fc.record(
    {
      op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', 'ADD', '', 'merge'),
      path,
      value: hostileJson,
      from: path,
    },
    { requiredKeys: [] },
  );
}

/** A JSON Patch document (mostly an array of operations, sometimes not). */
export const jsonPatchBody: fc.Arbitrary<Json> = fc.oneof(
  { weight: 6, arbitrary: fc.array(patchOperation(pointer), { maxLength: 5 }) },
  { weight: 1, arbitrary: hostileJson },
);

/** A JSON Patch Query document (paths with filters). */
export const jsonPatchQueryBody: fc.Arbitrary<Json> = fc.oneof(
  { weight: 6, arbitrary: fc.array(patchOperation(filterPath), { maxLength: 4 }) },
  { weight: 1, arbitrary: hostileJson },
);

/** A merge patch: partial customers (nulls delete), or anything at all. */
export const mergePatchBody: fc.Arbitrary<Json> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(validCustomer, fc.subarray(CUSTOMER_KEYS), fc.array(mutation, { maxLength: 2 }))
      .map(([c, keys, mutations]) => {
        const patch: Record<string, Json> = {};
        for (const key of keys) {
          patch[key] = key in c ? c[key] : null;
        }
        mutations.forEach((m) => applyMutation(patch, m));
        return patch;
      }),
  },
  { weight: 2, arbitrary: hostileJson },
);

// --- TMF630 query strings ---------------------------------------------------------------

const ATTRIBUTE_PATHS = [...customerQuerySchema.leaves.keys(), ...customerQuerySchema.objects];

const OPERATORS = [
  '=',
  '==',
  '.eq=',
  '.ne=',
  '.gt=',
  '.gte=',
  '.lt=',
  '.lte=',
  '.regex=',
  '.like=',
  '.=',
  '.GT=',
  '>',
  '>=',
  '<',
  '<=',
  '!=',
  '*=',
  '=~',
  '%3E',
  '%3E%3D',
  '%3C',
  '%3C%3D',
  '%21%3D',
  '%3D%3D',
  '%3D',
  '%2Egt=',
  '=%3E',
  '>>',
  '',
];

const BAD_ENCODINGS = [
  '%',
  '%2',
  '%zz',
  '%E0%A4',
  '%ED%A0%80',
  '%C0%AF',
  '%FF',
  '%00',
  '%%',
  '%u0041',
];

function encode(text: string): string {
  // encodeURIComponent throws on lone surrogates; those are sent as their raw UTF-8-ish bytes.
  try {
    return encodeURIComponent(text);
  } catch {
    return text.replace(/[^\x21-\x7e]/g, '%ED%A0%80');
  }
}

const queryValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: hostileString.map((s) => encode(s.slice(0, 200))) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.array(hostileString, { minLength: 2, maxLength: 4 }), fc.constantFrom(',', ';'))
      .map(([values, sep]) => values.map((v) => encode(v.slice(0, 50))).join(sep)),
  },
  { weight: 2, arbitrary: fc.constantFrom(...BAD_ENCODINGS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '1',
      '-1',
      '1.5',
      '1e400',
      'NaN',
      'true',
      'null',
      '2024-01-01T00:00:00Z',
      '2024-01-01T00:00:00%2B01:00',
      '2024-01-01T00:00:00+01:00',
      '2024-01-01',
      '%5E(a%2B)%2B%24',
      '(',
      '%5B',
      '.*',
      '%5C',
      'a+b',
      'a,,b',
      ',',
      ';',
    ),
  },
  // Huge values: up to past the 16 KiB URL+headers limit (431).
  { weight: 1, arbitrary: fc.constantFrom(1000, 8000, 17000).map((n) => 'a'.repeat(n)) },
);

const pagingValue = fc.constantFrom(
  '-1',
  '0',
  '1',
  '3',
  '1e3',
  '999999999999999999999',
  'abc',
  '',
  '1.5',
  '0x10',
  '%201',
  '1000',
  '1001',
);

const FIELDS_VALUES = [
  'none',
  '',
  ',,,',
  'name',
  'name,status',
  'contactMedium.mediumType',
  'a.b.c',
  '__proto__',
  'constructor.prototype',
  'id,href',
];

const queryParam: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...ATTRIBUTE_PATHS) },
          {
            weight: 1,
            arbitrary: fc.constantFrom(...ATTRIBUTE_PATHS).map((p) => `${p}.x`),
          },
          { weight: 1, arbitrary: fc.array(hostileKey, { maxLength: 4 }).map((k) => k.join('.')) },
          { weight: 1, arbitrary: fc.constantFrom('', '.', '..', 'a..b', 'contactMedium[0].x') },
        ),
        fc.constantFrom(...OPERATORS),
        queryValue,
      )
      .map(([path, op, value]) => `${encode(path)}${op}${value}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('offset', 'limit'), pagingValue)
      .map(([k, v]) => `${k}=${v}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...FIELDS_VALUES).map((v) => `fields=${encode(v)}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.constantFrom(...ATTRIBUTE_PATHS),
          fc.constantFrom(...ATTRIBUTE_PATHS).map((p) => `-${p}`),
          fc.constantFrom('+name', '--name', '-', 'unknown', ''),
        ),
        { maxLength: 3 },
      )
      .map((keys) => `sort=${keys.map(encode).join(',')}`),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 20 }).map(encode) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('filter=$[?(@.name)]', '&&&', '=', '==', '?', 'a=b=c', '#frag'),
  },
);

/** A whole query string (without the `?`), bytes safe to put on the request line. */
export const queryString: fc.Arbitrary<string> = fc
  .array(queryParam, { maxLength: 6 })
  .map((params) => params.join('&').replace(/[^\x21-\x7e]/g, (c) => encode(c)));

// --- Paths ----------------------------------------------------------------------------------

/** A path segment in the place of a customer id (never the id of an existing customer). */
export const idSegment: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  // Not empty: `/customer/` is the list.
  hostileString.map((s) => encode(s.slice(0, 100)) || '%20'),
  fc.constantFrom(
    '%zz',
    '%',
    '..',
    '.',
    '%2e%2e',
    '%2F',
    'a/b',
    '%00',
    '\u00ff',
    '~',
    '*',
    'x'.repeat(5000),
    '%ED%A0%80',
  ),
);

/** Ids, href-looking things and subscription bodies for POST /hub. */
export const hubBody: fc.Arbitrary<Json> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record(
      {
        callback: fc.oneof(
          fc.constantFrom(
            'http://127.0.0.1:9/fuzz',
            'https://subscriber.example/events',
            'file:///etc/passwd',
            'http://169.254.169.254/latest/meta-data/',
            'javascript:alert(1)',
            'http://[::1]:9/',
            'http://localhost:0/',
            'ftp://x/',
            'http://',
            '',
          ),
          fc.webUrl(),
          hostileString,
        ),
        query: fc.oneof(queryString, fc.constantFrom('eventType=CustomerCreateEvent', '')),
        secret: hostileString,
      },
      { requiredKeys: ['callback'] },
    ),
  },
  { weight: 1, arbitrary: hostileJson },
);
