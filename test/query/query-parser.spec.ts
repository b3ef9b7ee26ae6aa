import { ErrorKind } from '@app/tmf-common/core';
import {
  parseQuery,
  ParsedQuery,
  ParseOptions,
  QueryErrorCode,
  QueryException,
  QueryNotImplementedException,
} from '@app/tmf-query';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerEventQuerySchema } from '@server/hub/customer-event.schema';

const paging = { defaultLimit: 20, maxLimit: 100 };
const parse = (raw: string, options: ParseOptions = { paging }): ParsedQuery =>
  parseQuery(raw, customerQuerySchema, options);

/** Clauses as `path op value|value` strings, for compact assertions. */
function summary(query: ParsedQuery): string[] {
  return query.clauses.map((clause) =>
    clause.conditions
      .map((c) => `${c.attribute.path} ${c.op} ${'text' in c.value ? c.value.text : ''}`)
      .join(' | '),
  );
}

function failure(raw: string, options: ParseOptions = { paging }): QueryException {
  try {
    parse(raw, options);
  } catch (error) {
    if (error instanceof QueryException) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected '${raw}' to fail`);
}

describe(parseQuery.name, () => {
  describe('operators', () => {
    it.each([
      ['name=x', 'eq'],
      ['name.eq=x', 'eq'],
      ['name==x', 'eq'],
      ['name%3D%3Dx', 'eq'],
      ['name.ne=x', 'ne'],
      ['name!=x', 'ne'],
      ['name%21%3Dx', 'ne'],
      ['name.gt=x', 'gt'],
      ['name>x', 'gt'],
      ['name%3Ex', 'gt'],
      ['name.gte=x', 'gte'],
      ['name>=x', 'gte'],
      ['name%3E%3Dx', 'gte'],
      ['name.lt=x', 'lt'],
      ['name<x', 'lt'],
      ['name%3Cx', 'lt'],
      ['name.lte=x', 'lte'],
      ['name<=x', 'lte'],
      ['name%3C%3Dx', 'lte'],
      ['name.regex=x', 'regex'],
      ['name*=x', 'regex'],
      ['name%2A%3Dx', 'regex'],
      ['name=~x', 'regex'],
      ['name%3D~x', 'regex'],
      ['name%3D%7Ex', 'regex'],
    ])('%s → %s', (raw, op) => {
      const [condition] = parse(raw).clauses[0].conditions;
      expect(condition.op).toBe(op);
      expect(condition.attribute.path).toBe('name');
      expect(condition.value.text).toBe('x');
    });

    it('takes only one "=" after a suffix, so the value may start with "=" or "~"', () => {
      expect(summary(parse('name.eq==x'))).toEqual(['name eq =x']);
      expect(summary(parse('name.eq=~x'))).toEqual(['name eq ~x']);
      expect(summary(parse('name.gte=>x'))).toEqual(['name gte >x']);
    });

    it('reads encoded attribute names such as %40type', () => {
      expect(summary(parse('%40type=Customer'))).toEqual(['@type eq Customer']);
      expect(summary(parse('@type=Customer'))).toEqual(['@type eq Customer']);
    });

    it('rejects an operator the type does not support', () => {
      const error = failure('contactMedium.preferred.gt=true');
      expect(error.code).toBe(QueryErrorCode.InvalidOperator);
      expect(error.message).toContain("'contactMedium.preferred'");
      expect(error.message).toContain("'gt'");
      expect(failure('creditProfile.creditScore*=5').code).toBe(QueryErrorCode.InvalidOperator);
    });

    it('rejects a suffix followed by a symbol operator', () => {
      expect(failure('name.gt>x').code).toBe(QueryErrorCode.Malformed);
    });
  });

  describe('values and encodings', () => {
    it('decodes percent-encoding and "+" as a space', () => {
      expect(summary(parse('name=Moon%20Football+Club'))).toEqual(['name eq Moon Football Club']);
      expect(summary(parse('name=%C3%89mile'))).toEqual(['name eq Émile']);
    });

    it('splits raw commas into OR and keeps %2C literal', () => {
      expect(summary(parse('status=active,suspended'))).toEqual([
        'status eq active | status eq suspended',
      ]);
      expect(summary(parse('name=Smith%2C%20John'))).toEqual(['name eq Smith, John']);
    });

    it('splits raw ";" into OR and keeps %3B literal', () => {
      expect(summary(parse('status=a;name=b'))).toEqual(['status eq a | name eq b']);
      expect(summary(parse('name=a%3Bb'))).toEqual(['name eq a;b']);
    });

    it('lets a bare ";" term reuse the previous attribute and operator', () => {
      expect(summary(parse('status=a;b;c'))).toEqual(['status eq a | status eq b | status eq c']);
      expect(summary(parse('name.gt=a;b%20c'))).toEqual(['name gt a | name gt b c']);
    });

    it('ORs repeated parameters with the same attribute and operator', () => {
      expect(summary(parse('status=a&status=b&name=x'))).toEqual([
        'status eq a | status eq b',
        'name eq x',
      ]);
      expect(summary(parse('status=a&status.eq=b&status==c'))).toEqual([
        'status eq a | status eq b | status eq c',
      ]);
    });

    it('ANDs different operators on the same attribute (a range) and different attributes', () => {
      expect(
        summary(
          parse('validFor.startDateTime.gte=2024-01-01&validFor.startDateTime.lt=2024-02-01'),
        ),
      ).toEqual(['validFor.startDateTime gte 2024-01-01', 'validFor.startDateTime lt 2024-02-01']);
      expect(summary(parse('status=a;name=b&status=c'))).toEqual([
        'status eq a | name eq b',
        'status eq c',
      ]);
    });

    it('parses values by the attribute type', () => {
      const [score] = parse('creditProfile.creditScore>=650').clauses[0].conditions;
      expect(score.value).toEqual({ kind: 'number', num: 650, text: '650' });
      const [preferred] = parse('contactMedium.preferred=false').clauses[0].conditions;
      expect(preferred.value).toEqual({ kind: 'boolean', num: 0, text: 'false' });
      const [any] = parse('characteristic.value=5').clauses[0].conditions;
      expect(any.value).toEqual({ kind: 'any', text: '5', num: 5, bool: undefined });
      const [anyBool] = parse('characteristic.value=true').clauses[0].conditions;
      expect(anyBool.value).toEqual({ kind: 'any', text: 'true', num: undefined, bool: 1 });
    });

    it('reads date-times as instants whatever the offset, including a "+" decoded as a space', () => {
      const instant = (raw: string) => {
        const value = parse(`validFor.startDateTime=${raw}`).clauses[0].conditions[0].value;
        return value.kind === 'instant' ? value.num : undefined;
      };
      const utc = Date.UTC(2024, 0, 1);
      expect(instant('2024-01-01T00:00:00Z')).toBe(utc);
      expect(instant('2024-01-01T01:00:00%2B01:00')).toBe(utc);
      expect(instant('2024-01-01T01:00:00+01:00')).toBe(utc);
      expect(instant('2023-12-31T19:00:00-05:00')).toBe(utc);
      expect(instant('2024-01-01')).toBe(utc);
      expect(instant('2024-01-01T00:00:00.999999Z')).toBe(utc + 999);
    });

    it.each([
      ['creditProfile.creditScore=abc', "'abc'"],
      ['creditProfile.creditScore=6.5', "'6.5'"],
      ['contactMedium.preferred=yes', "'yes'"],
      ['validFor.startDateTime=2024-13-01', "'2024-13-01'"],
      ['validFor.startDateTime=2024-02-30T00:00:00Z', "'2024-02-30T00:00:00Z'"],
      ['validFor.startDateTime=yesterday', "'yesterday'"],
    ])('rejects %s naming the value', (raw, named) => {
      const error = failure(raw);
      expect(error.code).toBe(QueryErrorCode.InvalidValue);
      expect(error.message).toContain(named);
      expect(error.kind).toBe(ErrorKind.BadRequest);
    });

    it('rejects malformed percent-encoding', () => {
      expect(failure('name=%E0%A4%A').code).toBe(QueryErrorCode.Malformed);
      expect(failure('name=%ZZ').code).toBe(QueryErrorCode.Malformed);
    });

    it('rejects a term without an operator or without an attribute', () => {
      expect(failure('name').code).toBe(QueryErrorCode.Malformed);
      expect(failure('=x').code).toBe(QueryErrorCode.Malformed);
      expect(failure('name=a;>b').code).toBe(QueryErrorCode.Malformed);
    });

    it('ignores empty parameters and a leading "?"', () => {
      expect(summary(parse('?&name=x&&'))).toEqual(['name eq x']);
      expect(parse('').clauses).toEqual([]);
    });
  });

  describe('attributes', () => {
    it.each([
      'id',
      'href',
      '@type',
      'engagedParty.id',
      'validFor.startDateTime',
      'contactMedium.mediumType',
      'contactMedium.characteristic.emailAddress',
      'characteristic.name',
      'characteristic.value',
      'creditProfile.creditScore',
      'relatedParty.role',
      'account.description',
      'paymentMethod.@referredType',
    ])('accepts %s', (path) => {
      const value = path.endsWith('DateTime') ? '2024-01-01' : '1';
      expect(parse(`${path}=${value}`).clauses[0].conditions[0].attribute.path).toBe(path);
    });

    it('rejects an unknown attribute, naming it', () => {
      const error = failure('nmae=x');
      expect(error.code).toBe(QueryErrorCode.UnknownAttribute);
      expect(error.message).toContain("'nmae'");
      expect(failure('contactMedium.emailAddress=x').message).toContain(
        "'contactMedium.emailAddress'",
      );
      expect(failure('name.foo=x').message).toContain("'name.foo'");
      expect(failure('nmae.gt=x').message).toContain("'nmae'");
    });

    it('rejects a filter on an object', () => {
      const error = failure('validFor=x');
      expect(error.code).toBe(QueryErrorCode.InvalidAttribute);
      expect(error.message).toContain("'validFor'");
    });

    it('knows the event envelope for hub queries', () => {
      const query = parseQuery(
        'eventType=CustomerCreateEvent,CustomerDeleteEvent&event.customer.status=approved',
        customerEventQuerySchema,
      );
      expect(summary(query)).toEqual([
        'eventType eq CustomerCreateEvent | eventType eq CustomerDeleteEvent',
        'event.customer.status eq approved',
      ]);
      expect(query.page).toBeUndefined();
    });
  });

  describe('regex', () => {
    it('normalizes the pattern and extracts an anchored literal prefix', () => {
      const value = parse('name*=^Moo.n$').clauses[0].conditions[0].value;
      expect(value.kind === 'regex' && value.regex.source).toBe('^Moo[^\\n\\r]n(?![\\s\\S])');
      expect(value.kind === 'regex' && value.regex.prefix).toBe('Moo');
    });

    it('rejects invalid and dangerous patterns with 400 naming the attribute', () => {
      for (const pattern of ['(a', '(a+)+$', 'a{2,1}', '(?=x)', '\\1', 'a*?', '[b-a]']) {
        const error = failure(`name*=${encodeURIComponent(pattern)}`);
        expect(error.code).toBe(QueryErrorCode.InvalidRegex);
        expect(error.message).toContain("'name'");
      }
    });

    it('caps the pattern length', () => {
      expect(parse(`name*=${'a'.repeat(256)}`).clauses).toHaveLength(1);
      expect(failure(`name*=${'a'.repeat(257)}`).code).toBe(QueryErrorCode.InvalidRegex);
      expect(failure('name*=aaaa', { paging, maxRegexLength: 3 }).code).toBe(
        QueryErrorCode.InvalidRegex,
      );
    });

    it('can be disabled', () => {
      expect(failure('name*=a', { allowRegex: false }).code).toBe(QueryErrorCode.InvalidOperator);
    });
  });

  describe('bounds', () => {
    it('rejects an over-long query string', () => {
      expect(failure(`name=${'x'.repeat(5000)}`).code).toBe(QueryErrorCode.TooLarge);
      expect(failure('name=xyz', { maxQueryLength: 5 }).code).toBe(QueryErrorCode.TooLarge);
    });

    it('rejects too many conditions', () => {
      const values = Array.from({ length: 65 }, (_, i) => `s${i}`).join(',');
      expect(failure(`status=${values}`).code).toBe(QueryErrorCode.TooLarge);
      expect(parse(`status=${values.split(',').slice(0, 64).join(',')}`).clauses).toHaveLength(1);
    });
  });

  describe('reserved parameters', () => {
    it('answers filter= (JSONPath) with a 501', () => {
      expect(() => parse('filter=$[?(@.status=="x")]')).toThrow(QueryNotImplementedException);
      try {
        parse('filter=x');
      } catch (error) {
        expect((error as QueryNotImplementedException).kind).toBe(ErrorKind.NotImplemented);
        expect((error as QueryNotImplementedException).code).toBe(
          QueryErrorCode.FilterNotImplemented,
        );
      }
    });

    it('parses fields, fields=none and dotted names; refuses unknown names and repeats', () => {
      expect(parse('fields=name,contactMedium.mediumType').fields).toEqual([
        'name',
        'contactMedium.mediumType',
      ]);
      expect(parse('fields=none').fields).toEqual([]);
      expect(parse('fields=contactMedium,validFor,characteristic.value.level').fields).toEqual([
        'contactMedium',
        'validFor',
        'characteristic.value.level',
      ]);
      expect(parse('name=x').fields).toBeUndefined();
      expect(() => parse('fields=nmae,status,bogus.x')).toThrow(
        "Unknown attributes in fields: 'nmae', 'bogus.x' (not in the Customer schema)",
      );
      expect(() => parse('fields=none,name')).toThrow("Unknown attribute in fields: 'none'");
      expect(() => parse('fields=name&fields=status')).toThrow("'fields' is given more than once");
      expect(() => parse('sort=name&sort=status')).toThrow("'sort' is given more than once");
      expect(() => parse('limit=1&limit=1')).toThrow("'limit' is given more than once");
    });

    it('parses sort with -, + (encoded or as a space) and nested paths', () => {
      const keys = (raw: string) =>
        parse(raw).sort.map((k) => `${k.descending ? '-' : '+'}${k.attribute.path}`);
      expect(keys('sort=name,-validFor.startDateTime')).toEqual([
        '+name',
        '-validFor.startDateTime',
      ]);
      expect(keys('sort=%2Bname')).toEqual(['+name']);
      expect(keys('sort=+name,-status')).toEqual(['+name', '-status']);
      expect(keys('sort=name,name')).toEqual(['+name']);
    });

    it.each([
      ['sort=nmae', "'nmae'"],
      ['sort=contactMedium.mediumType', "'contactMedium.mediumType'"],
      ['sort=validFor', "'validFor'"],
    ])('rejects %s', (raw, named) => {
      const error = failure(raw);
      expect(error.code).toBe(QueryErrorCode.InvalidSort);
      expect(error.message).toContain(named);
    });

    it('parses offset and limit with defaults', () => {
      expect(parse('name=x').page).toEqual({ offset: 0, limit: 20 });
      expect(parse('offset=40&limit=100').page).toEqual({ offset: 40, limit: 100 });
      expect(parse('limit=0').page).toEqual({ offset: 0, limit: 0 });
    });

    it.each([
      'offset=-1',
      'limit=-5',
      'limit=abc',
      'limit=1.5',
      'limit=101',
      'limit=',
      'limit=1&limit=2',
    ])('rejects %s', (raw) => {
      const error = failure(raw);
      expect(error.code).toBe(QueryErrorCode.InvalidPaging);
      expect(error.message).toMatch(/offset|limit/);
    });

    it('rejects paging and sort where the caller allows none (hub queries)', () => {
      for (const raw of ['limit=5', 'offset=1', 'sort=name']) {
        expect(failure(raw, {}).code).toBe(QueryErrorCode.ParameterNotAllowed);
      }
      expect(parse('fields=name', {}).fields).toEqual(['name']);
    });

    it('rejects a reserved parameter with another operator', () => {
      expect(failure('limit>5').code).toBe(QueryErrorCode.Malformed);
    });
  });
});
