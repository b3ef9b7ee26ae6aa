import { FilterExpression } from './ast';
import { parseQueryPath } from './parser';
import { QuerySyntaxError } from './syntax-error';

const parse = (path: string) => parseQueryPath(path, 64);

const emailFilter: FilterExpression = {
  kind: 'compare',
  operator: '==',
  left: { kind: 'path', steps: [{ kind: 'member', name: 'mediumType' }] },
  right: { kind: 'literal', value: 'email' },
};

describe(parseQueryPath.name, () => {
  it.each([
    "$.contactMedium[?(@.mediumType=='email')].characteristic.emailAddress",
    "contactMedium[?(@.mediumType=='email')].characteristic.emailAddress",
    '$.contactMedium[?(@.mediumType=="email")].characteristic.emailAddress',
    "$.contactMedium[?( @.mediumType == 'email' )].characteristic.emailAddress",
    "$['contactMedium'][?(@['mediumType']=='email')]['characteristic'].emailAddress",
    "$.contactMedium[?@.mediumType=='email'].characteristic.emailAddress",
  ])('parses the JSONPath spelling %s', (path) => {
    expect(parse(path)).toEqual({
      syntax: 'jsonpath',
      steps: [
        { kind: 'member', name: 'contactMedium' },
        { kind: 'filter', expression: emailFilter },
        { kind: 'member', name: 'characteristic' },
        { kind: 'member', name: 'emailAddress' },
      ],
    });
  });

  it('parses the slash hybrid into pointer tokens around the filter', () => {
    expect(parse("/contactMedium[?(@.mediumType=='email')]/characteristic/emailAddress")).toEqual({
      syntax: 'hybrid',
      steps: [
        { kind: 'token', token: 'contactMedium' },
        { kind: 'filter', expression: emailFilter },
        { kind: 'token', token: 'characteristic' },
        { kind: 'token', token: 'emailAddress' },
      ],
    });
  });

  it('parses the Part 5 form with dotted, pointer-style and relative keys', () => {
    expect(
      parse('/contactMedium/characteristic/emailAddress?contactMedium.mediumType=email'),
    ).toEqual({
      syntax: 'legacy',
      segments: ['contactMedium', 'characteristic', 'emailAddress'],
      conditions: [{ key: ['contactMedium', 'mediumType'], value: 'email' }],
    });
    expect(parse('/partyCharacteristic/value?/partyCharacteristic/name=childrenNumber')).toEqual({
      syntax: 'legacy',
      segments: ['partyCharacteristic', 'value'],
      conditions: [{ key: ['partyCharacteristic', 'name'], value: 'childrenNumber' }],
    });
    expect(parse('/note/text?note.author=John Doe&id=7')).toEqual({
      syntax: 'legacy',
      segments: ['note', 'text'],
      conditions: [
        { key: ['note', 'author'], value: 'John Doe' },
        { key: ['id'], value: '7' },
      ],
    });
  });

  it('decodes percent-encoded Part 5 values', () => {
    expect(parse('/note?note.author=John%20Doe')).toMatchObject({
      conditions: [{ key: ['note', 'author'], value: 'John Doe' }],
    });
  });

  it('parses a plain pointer with RFC 6901 escapes', () => {
    expect(parse('/a~1b/0/~0c')).toEqual({
      syntax: 'pointer',
      steps: [
        { kind: 'token', token: 'a/b' },
        { kind: 'token', token: '0' },
        { kind: 'token', token: '~c' },
      ],
    });
    expect(parse('')).toEqual({ syntax: 'pointer', steps: [] });
  });

  it('parses &&, ||, !, parentheses and all comparison operators', () => {
    const parsed = parse(
      "$.relatedParty[?((@.role=='owner' && @.id != '7') || !(@.rank >= 2) && @.x < 1.5e1 && @.y <= -3 && @.z > 'a' && @.flag == true && @.none == null)]",
    );
    expect(parsed).toMatchObject({ syntax: 'jsonpath' });
    const filter = parsed.syntax === 'jsonpath' ? parsed.steps[1] : undefined;
    expect(filter).toMatchObject({ kind: 'filter', expression: { kind: 'or' } });
  });

  it('parses nested filters on two levels and nested @ paths', () => {
    expect(
      parse(
        "$.orderItem[?(@.id=='1')].product.relatedParty[?(@.id=='7894' && @.party.ref[0].id=='a')].name",
      ),
    ).toMatchObject({
      steps: [
        { kind: 'member', name: 'orderItem' },
        { kind: 'filter' },
        { kind: 'member', name: 'product' },
        { kind: 'member', name: 'relatedParty' },
        { kind: 'filter' },
        { kind: 'member', name: 'name' },
      ],
    });
  });

  it('parses indexes, wildcards and @-prefixed member names', () => {
    expect(parse('$.contactMedium[0].@type')).toEqual({
      syntax: 'jsonpath',
      steps: [
        { kind: 'member', name: 'contactMedium' },
        { kind: 'index', index: 0 },
        { kind: 'member', name: '@type' },
      ],
    });
    expect(parse('$.contactMedium[*].preferred')).toMatchObject({
      steps: [{ kind: 'member' }, { kind: 'wildcard' }, { kind: 'member' }],
    });
  });

  it.each([
    ['recursive descent', '$..name', /recursive descent/],
    ['recursive descent in a filter', '$.a[?(@..b==1)]', /recursive descent/],
    ['a script', '$.a[(@.length-1)]', /script/],
    ['a function in a filter', '$.a[?(length(@.b)==1)]', /functions/],
    ['a function in a path', '$.a.length()', /functions/],
    ['a method call in a filter', '$.a[?(@.b.match(1))]', /functions/],
    ['a regular expression', '$.a[?(@.b=~/x/)]', /regular expressions/],
    ['a single =', "$.a[?(@.b='x')]", /use "=="/],
    ['an unquoted word', '$.a[?(@.b==x)]', /string literals need quotes/],
    ['an unterminated string', "$.a[?(@.b=='x)]", /unterminated/],
    ['a missing ]', "$.a[?(@.b=='x')", /expected "]"/],
    ['a missing )', "$.a[?(@.b=='x']", /expected "\)"/],
    ['a negative index', '$.a[-1]', /negative/],
    ['a slice', '$.a[0:2]', /slices/],
    ['a literal alone', '$.a[?(true)]', /literal alone/],
    ['an absolute path in a filter', '$.a[?($.b==1)]', /absolute/],
    ['a Part 5 condition without =', '/a/b?c', /name=value/],
    ['a Part 5 != condition', '/a/b?a.c!=1', /only "="/],
    ['an empty Part 5 query', '/a/b?', /empty/],
    ['a bad pointer escape', '/a~2b', /"~" must be followed/],
    ['a trailing dot', '$.a.', /member name is missing/],
  ])('rejects %s', (_label, path, message) => {
    expect(() => parse(path)).toThrow(QuerySyntaxError);
    expect(() => parse(path)).toThrow(message);
  });

  it.each([
    '$.__proto__.x',
    '/__proto__/x',
    '/constructor/prototype/x',
    "$.a[?(@.constructor=='x')]",
    '/a/b?a.__proto__=1',
    '/a[?(@.x==1)]/__proto__',
  ])('flags the forbidden member name in %s', (path) => {
    let caught: unknown;
    try {
      parse(path);
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(QuerySyntaxError);
    expect((caught as QuerySyntaxError).forbidden).toBe(true);
  });

  it('bounds path segments and filter nesting', () => {
    expect(() => parseQueryPath('/a/b/c/d', 3)).toThrow(/limit is 3/);
    expect(() => parseQueryPath(`$.a[?(${'!'.repeat(10)}@.x)]`, 5)).toThrow(/nests deeper/);
  });
});
