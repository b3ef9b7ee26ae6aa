import { applyDecorators } from '@nestjs/common';
import {
  registerDecorator,
  ValidateIf,
  ValidationArguments,
  ValidationOptions,
} from 'class-validator';

/**
 * Optional attribute: skipped only when absent. Unlike `@IsOptional()`, `null` is still validated
 * (and so rejected by the type check): a JSON `null` is not a valid TMF attribute value.
 */
export function Optional(): PropertyDecorator {
  return applyDecorators(ValidateIf(whenPresent));
}

/** The condition of {@link Optional}; exported so the compiled validator can recognise it. */
export function whenPresent(_object: object, value: unknown): boolean {
  return value !== undefined;
}

// RFC 3339 date-time (the JSON Schema / OpenAPI `date-time` format): date, 'T', time, offset.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** True for an RFC 3339 date-time naming a real instant (no 31 February, no hour 25). */
export function isDateTime(value: unknown): value is string {
  if (typeof value !== 'string') {
    return false;
  }
  const m = DATE_TIME.exec(value);
  if (!m) {
    return false;
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    offsetOk
  );
}

/** An ISO 8601 / RFC 3339 date-time string such as `2024-05-01T10:00:00Z`. */
export function IsDateTime(options?: ValidationOptions): PropertyDecorator {
  return (object: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isDateTime',
      target: object.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => isDateTime(value),
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must be an ISO 8601 date-time with a time zone (e.g. 2024-05-01T10:00:00Z)`,
      },
    });
  };
}

/** Any JSON value except `undefined` and `null` (TMF `Any`, when the attribute is mandatory). */
export function IsPresent(options?: ValidationOptions): PropertyDecorator {
  return (object: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isPresent',
      target: object.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => value !== undefined && value !== null,
        defaultMessage: (args: ValidationArguments) => `${args.property} is required`,
      },
    });
  };
}
