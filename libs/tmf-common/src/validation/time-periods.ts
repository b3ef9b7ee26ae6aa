import { isDateTime, parseInstant } from '@app/tmf-common/core';

import { DocumentViolation } from './validate-document';

/**
 * TMF `TimePeriod` (`validFor`, at any depth) must not end before it starts. Compared as instants,
 * so `2024-05-01T02:00:00+02:00` → `2024-05-01T00:00:00Z` is an empty period, not a reversed one.
 * A cross-attribute rule, so it runs on documents the attribute rules have accepted.
 */
export function timePeriodViolations(document: unknown, path = ''): DocumentViolation[] {
  if (Array.isArray(document)) {
    return document.flatMap((item, i) => timePeriodViolations(item, `${path}[${i}]`));
  }
  if (typeof document !== 'object' || document === null) {
    return [];
  }
  const violations: DocumentViolation[] = [];
  for (const [key, value] of Object.entries(document)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (key === 'validFor' && reversed(value)) {
      violations.push({
        path: `${at}.endDateTime`,
        message: `${at}.endDateTime must not be before ${at}.startDateTime`,
      });
    }
    violations.push(...timePeriodViolations(value, at));
  }
  return violations;
}

function reversed(period: unknown): boolean {
  const { startDateTime: start, endDateTime: end } = (period ?? {}) as Record<string, unknown>;
  if (!isDateTime(start) || !isDateTime(end)) {
    return false;
  }
  return (parseInstant(end) ?? Infinity) < (parseInstant(start) ?? -Infinity);
}
