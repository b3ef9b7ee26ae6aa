import { jsonTextProblem, MAX_JSON_DEPTH } from './json-text-check';

describe(jsonTextProblem.name, () => {
  const nested = (levels: number, open: string, close: string, inner = '1') =>
    open.repeat(levels) + inner + close.repeat(levels);

  it('accepts ordinary documents, surrogate pairs, escapes and brackets inside strings', () => {
    for (const text of [
      '{"name":"Moon","n":[1,-2.5,3e10,-1E-300,0,-0,0.0,1.50,0.1,1e2],"ok":true,"no":null}',
      `[${Number.MAX_SAFE_INTEGER},${Number.MIN_SAFE_INTEGER},5e-324]`,
      '{"emoji":"\\ud83d\\ude00","raw":"😀","quote":"a\\"[[[{{{","slash":"\\\\u12"}',
      '"just a string"',
      nested(MAX_JSON_DEPTH, '[', ']'),
      nested(MAX_JSON_DEPTH - 1, '{"a":', '}'),
      '{"big":1.7976931348623157e308,"digits":1' + '0'.repeat(300) + '}',
    ]) {
      expect(jsonTextProblem(text)).toBeUndefined();
    }
  });

  it('refuses nesting deeper than the limit, arrays and objects alike (10,000 levels)', () => {
    expect(jsonTextProblem(nested(MAX_JSON_DEPTH + 1, '[', ']'))).toContain('nested deeper');
    expect(jsonTextProblem(nested(10000, '{"a":', '}'))).toContain('nested deeper');
    expect(jsonTextProblem(nested(10000, '[', ']'))).toContain(`${MAX_JSON_DEPTH} levels`);
  });

  it('refuses numbers that overflow to Infinity', () => {
    expect(jsonTextProblem('{"v":1e400}')).toContain('1e400 is out of range');
    expect(jsonTextProblem('[-1E309]')).toContain('out of range');
    expect(jsonTextProblem('[' + '9'.repeat(400) + ']')).toContain('…');
  });

  it('refuses numbers that would be written back as another value, naming where they are', () => {
    expect(jsonTextProblem('{"creditProfile":[{"creditScore":9007199254740993}]}')).toBe(
      'the number 9007199254740993 at creditProfile[0].creditScore would be stored as 9007199254740992 (integers are exact within ±9007199254740991); send a value the server can keep exactly',
    );
    expect(jsonTextProblem('{"a":{"b":3732753095555502557326475264}}')).toContain(
      'at a.b would be stored as 3.7327530955555026e+27',
    );
    expect(jsonTextProblem('{"v":0.12345678901234567890123}')).toContain(
      'a decimal keeps about 15 significant digits',
    );
    expect(jsonTextProblem('{"v":1e-400}')).toContain('would be stored as 0');
    // 2^60 is a double, but written back as 1152921504606847000: another decimal for the client.
    expect(jsonTextProblem('[1152921504606846976]')).toContain('stored as 1152921504606847000');
    expect(jsonTextProblem('-9007199254740993')).toContain('(the whole body)');
    expect(jsonTextProblem('[' + '9'.repeat(300) + ']')).toContain('9'.repeat(40) + '… at [0]');
  });

  it('refuses lone surrogates, high or low, escaped in keys or values', () => {
    expect(jsonTextProblem('{"name":"x\\ud800y"}')).toContain('lone UTF-16 surrogate (\\ud800)');
    expect(jsonTextProblem('{"name":"x\\uDC00"}')).toContain('\\uDC00');
    expect(jsonTextProblem('{"\\ud83d":1}')).toContain('lone');
    expect(jsonTextProblem('["\\ud83d\\u0041"]')).toContain('lone');
  });

  it('leaves syntax errors to the parser', () => {
    expect(jsonTextProblem('{"name": "x",')).toBeUndefined();
    expect(jsonTextProblem('[1e]')).toBeUndefined();
    expect(jsonTextProblem('"\\u12')).toBeUndefined();
  });
});
