import { parsePortableRegex, RegexSyntaxError, toJsRegExp } from './portable-regex';

describe(parsePortableRegex.name, () => {
  const source = (pattern: string) => parsePortableRegex(pattern).source;
  const test = (pattern: string, value: string) => toJsRegExp(source(pattern)).test(value);

  it('keeps literals and escapes metacharacters canonically', () => {
    expect(source('abc')).toBe('abc');
    expect(source('a\\.b\\-c\\/d')).toBe('a\\.b-c/d');
    expect(source('x\\{1\\}')).toBe('x\\{1\\}');
  });

  it('rewrites ., $ and shorthands to forms every engine reads alike', () => {
    expect(source('a.b')).toBe('a[^\\n\\r]b');
    expect(source('a$')).toBe('a(?![\\s\\S])');
    expect(source('\\d\\w\\s')).toBe('[0-9][A-Za-z0-9_][ \\t\\n\\r\\f\\v]');
    expect(source('\\D')).toBe('[^0-9]');
    expect(source('[\\d_x-z]')).toBe('[0-9_x-z]');
    expect(source('(ab|cd)')).toBe('(?:ab|cd)');
  });

  it('matches like a plain JavaScript regex on ordinary values', () => {
    expect(test('^Moo', 'Moon Football Club')).toBe(true);
    expect(test('^Moo', 'The Moon')).toBe(false);
    expect(test('Club$', 'Moon Football Club')).toBe(true);
    expect(test('Club$', 'Club\n')).toBe(false);
    expect(test('^[A-Z][a-z]+ F', 'Moon Football')).toBe(true);
    expect(test('\\d{3}', 'ab123')).toBe(true);
    expect(test('^.$', '😀')).toBe(true);
    expect(test('moon', 'Moon')).toBe(false);
  });

  it('extracts the literal prefix of an anchored pattern', () => {
    const prefix = (pattern: string) => parsePortableRegex(pattern).prefix;
    expect(prefix('^Moon F')).toBe('Moon F');
    expect(prefix('^ab?c')).toBe('a');
    expect(prefix('^a\\.b.*')).toBe('a.b');
    expect(prefix('^(ab)')).toBeUndefined();
    expect(prefix('Moon')).toBeUndefined();
    expect(prefix('^ab|^cd')).toBeUndefined();
  });

  it.each([
    ['(a+)+', /quantifier on a group/],
    ['(a|b)*', /quantifier on a group/],
    ['a**', /nothing to repeat/],
    ['*a', /nothing to repeat/],
    ['^*', /nothing to repeat/],
    ['a+?', /lazy/],
    ['(?=a)', /groups/],
    ['(?<n>a)', /groups/],
    ['\\1', /unsupported escape/],
    ['\\bword', /unsupported escape/],
    ['\\p{L}', /unsupported escape/],
    ['[[a]]', /inside a class/],
    ['[a&&b]', /not portable/],
    ['[]', /empty/],
    ['[\\D]', /not supported inside a class/],
    ['a{', /escaped/],
    ['a}', /escaped/],
    ['a]', /escaped/],
    ['(a', /missing/],
    ['a)', /unbalanced/],
    ['a{1,200}', /repetition/],
    ['a*b*c*d*', /unbounded/],
    ['[z-a]', /out of order/],
  ])('rejects %s', (pattern, message) => {
    expect(() => parsePortableRegex(pattern)).toThrow(RegexSyntaxError);
    expect(() => parsePortableRegex(pattern)).toThrow(message);
  });

  it('rejects a pattern over the length limit', () => {
    expect(() =>
      parsePortableRegex('abc', { maxLength: 2, maxUnbounded: 3, maxRepeat: 10 }),
    ).toThrow(/longer than 2/);
  });
});
