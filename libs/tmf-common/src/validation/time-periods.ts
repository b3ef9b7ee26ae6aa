import { isDateTime, parseInstant } from '@app/tmf-common/core';

import { DocumentViolation } from './validate-document';

/**
 * TMF `TimePeriod` (`validFor`, at any depth) must not end before it starts. Compared as instants,
 * so `2024-05-01T02:00:00+02:00` → `2024-05-01T00:00:00Z` is an empty period, not a reversed one.
 * A cross-attribute rule, so it runs on documents the attribute rules have accepted.
 */
export function timePeriodViolations(document: unknown, path = ''): DocumentViolation[] {
  const violations: DocumentViolation[] = [];
  // The keys and indexes down to the node walked; a path's text is built only for a violation
  // (this runs on every write, over every attribute).
  const at: (string | number)[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        at.push(i);
        walk(node[i]);
        at.pop();
      }
      return;
    }
    if (typeof node !== 'object' || node === null) {
      return;
    }
    for (const key of Object.keys(node)) {
      const value = (node as Record<string, unknown>)[key];
      at.push(key);
      if (key === 'validFor' && reversed(value)) {
        const text = pathText(path, at);
        violations.push({
          path: `${text}.endDateTime`,
          message: `${text}.endDateTime must not be before ${text}.startDateTime`,
        });
      }
      walk(value);
      at.pop();
    }
  };
  walk(document);
  return violations;
}

/** `a.b[0].c` from the walk's keys and indexes, after `path`. */
function pathText(path: string, at: readonly (string | number)[]): string {
  let text = path;
  for (const step of at) {
    text = typeof step === 'number' ? `${text}[${step}]` : text === '' ? step : `${text}.${step}`;
  }
  return text;
}

function reversed(period: unknown): boolean {
  const { startDateTime: start, endDateTime: end } = (period ?? {}) as Record<string, unknown>;
  if (!isDateTime(start) || !isDateTime(end)) {
    return false;
  }
  return (parseInstant(end) ?? Infinity) < (parseInstant(start) ?? -Infinity);
}
