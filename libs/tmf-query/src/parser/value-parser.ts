import { QueryErrorCode, QueryException } from '@app/tmf-query/errors';
import { parsePortableRegex, RegexLimits, RegexSyntaxError } from '@app/tmf-query/regex';
import { AttributePath, ValueType } from '@app/tmf-query/schema';
import { parseInstant } from '@app/tmf-query/values';

import { Operator, QueryValue } from './query.types';

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const OPERATORS_BY_TYPE: Readonly<Record<ValueType, readonly Operator[]>> = {
  string: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'regex'],
  integer: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'],
  number: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'],
  'date-time': ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'],
  boolean: ['eq', 'ne'],
  any: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'regex'],
};

/** Parses one decoded value for `attribute <op>`, or throws a 400 naming the attribute and value. */
export function parseQueryValue(
  attribute: AttributePath,
  op: Operator,
  text: string,
  regexLimits: RegexLimits,
): QueryValue {
  if (!OPERATORS_BY_TYPE[attribute.type].includes(op)) {
    throw new QueryException(
      QueryErrorCode.InvalidOperator,
      `Operator '${op}' does not apply to attribute '${attribute.path}' of type ${attribute.type}`,
    );
  }
  if (op === 'regex') {
    try {
      return { kind: 'regex', regex: parsePortableRegex(text, regexLimits), text };
    } catch (error) {
      if (error instanceof RegexSyntaxError) {
        throw new QueryException(
          QueryErrorCode.InvalidRegex,
          `Invalid regular expression '${text}' for attribute '${attribute.path}': ${error.message}`,
        );
      }
      throw error;
    }
  }
  switch (attribute.type) {
    case 'string':
      return { kind: 'string', text };
    case 'integer':
      return { kind: 'number', num: expect(attribute, text, parseInteger(text)), text };
    case 'number':
      return { kind: 'number', num: expect(attribute, text, parseNumber(text)), text };
    case 'boolean':
      return { kind: 'boolean', num: expect(attribute, text, parseBoolean(text)), text };
    case 'date-time':
      return { kind: 'instant', num: expect(attribute, text, parseQueryInstant(text)), text };
    case 'any':
      return { kind: 'any', text, num: parseNumber(text), bool: parseBoolean(text) };
  }
}

function expect<T>(attribute: AttributePath, text: string, parsed: T | undefined): T {
  if (parsed === undefined) {
    throw new QueryException(
      QueryErrorCode.InvalidValue,
      `Value '${text}' is not a valid ${attribute.type} for attribute '${attribute.path}'`,
    );
  }
  return parsed;
}

function parseInteger(text: string): number | undefined {
  const num = INTEGER.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(num) ? num : undefined;
}

function parseNumber(text: string): number | undefined {
  const num = NUMBER.test(text) ? Number(text) : NaN;
  return Number.isFinite(num) ? num : undefined;
}

function parseBoolean(text: string): 0 | 1 | undefined {
  return text === 'true' ? 1 : text === 'false' ? 0 : undefined;
}

// An unencoded `+` before the offset arrives as a space (form decoding): accept it as `+`.
function parseQueryInstant(text: string): number | undefined {
  return parseInstant(text) ?? parseInstant(text.replace(/ (\d{2}:?\d{2})$/, '+$1'));
}
