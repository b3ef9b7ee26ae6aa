import { Clause, Condition, Operator, ParsedQuery, QueryValue } from '@app/tmf-query/parser';
import { planFilter } from '@app/tmf-query/plan';
import { toJsRegExp } from '@app/tmf-query/regex';
import { compareCodePoints, compareNumbers, StoredValue } from '@app/tmf-query/values';

import { arrayElements, elementValues, valuesAt } from './document-walker';

// Compiled once per parsed regex value: hub queries are evaluated against many events.
const compiled = new WeakMap<object, RegExp>();

/**
 * Evaluates a parsed query's filter against a JSON document in memory, with exactly the semantics
 * of the SQL compiler: clauses are ANDed, conditions inside a clause ORed; a condition matches when
 * some value at its path satisfies it (a missing value never matches, not even `ne`); clauses on the
 * same top-level array must hold on one element of it (see `planFilter`). Comparison follows the
 * attribute type; `any` attributes compare by the stored value's JSON type.
 *
 * @param query a {@link ParsedQuery} or its `clauses`
 * @param document the resource (or event) as JSON
 */
export function matches(query: ParsedQuery | readonly Clause[], document: unknown): boolean {
  const clauses = isClauseList(query) ? query : query.clauses;
  const plan = planFilter(clauses);
  for (const clause of plan.independent) {
    const holds = clause.conditions.some((condition) =>
      valuesAt(document, condition.attribute).some((value) => satisfies(condition, value)),
    );
    if (!holds) {
      return false;
    }
  }
  for (const group of plan.groups) {
    const elements = arrayElements(document, group.clauses[0].conditions[0].attribute);
    const someElement = elements.some((element) =>
      group.clauses.every((clause) =>
        clause.conditions.some((condition) =>
          elementValues(element, condition.attribute).some((value) => satisfies(condition, value)),
        ),
      ),
    );
    if (!someElement) {
      return false;
    }
  }
  return true;
}

function isClauseList(query: ParsedQuery | readonly Clause[]): query is readonly Clause[] {
  return Array.isArray(query);
}

function satisfies(condition: Condition, stored: StoredValue): boolean {
  const { op, value } = condition;
  return satisfiesValue(op, value, stored);
}

function satisfiesValue(op: Operator, value: QueryValue, stored: StoredValue): boolean {
  switch (value.kind) {
    case 'regex': {
      if (stored.kind !== 's') {
        return false;
      }
      let regex = compiled.get(value.regex);
      if (!regex) {
        regex = toJsRegExp(value.regex.source);
        compiled.set(value.regex, regex);
      }
      return regex.test(stored.text);
    }
    case 'string':
      return stored.kind === 's' && holds(op, compareCodePoints(stored.text, value.text));
    case 'number':
      return stored.kind === 'n' && holds(op, compareNumbers(stored.num, value.num));
    case 'instant':
      return stored.kind === 'd' && holds(op, compareNumbers(stored.num, value.num));
    case 'boolean':
      return stored.kind === 'b' && holds(op, compareNumbers(stored.num, value.num));
    case 'any':
      return satisfiesAny(op, value, stored);
  }
}

// `any`: the stored value's JSON type decides how the query text is read.
function satisfiesAny(
  op: Operator,
  value: Extract<QueryValue, { kind: 'any' }>,
  stored: StoredValue,
): boolean {
  switch (stored.kind) {
    case 's':
      return holds(op, compareCodePoints(stored.text, value.text));
    case 'n':
      return value.num !== undefined && holds(op, compareNumbers(stored.num, value.num));
    case 'b':
      return (
        value.bool !== undefined &&
        (op === 'eq' || op === 'ne') &&
        holds(op, compareNumbers(stored.num, value.bool))
      );
    case 'd':
      return false;
  }
}

function holds(op: Operator, comparison: number): boolean {
  switch (op) {
    case 'eq':
      return comparison === 0;
    case 'ne':
      return comparison !== 0;
    case 'gt':
      return comparison > 0;
    case 'gte':
      return comparison >= 0;
    case 'lt':
      return comparison < 0;
    case 'lte':
      return comparison <= 0;
    case 'regex':
      return false;
  }
}
