import { applyDecorators } from '@nestjs/common';
import {
  registerDecorator,
  ValidateIf,
  ValidationArguments,
  ValidationOptions,
} from 'class-validator';

import { isDateTime } from '@app/tmf-common/core';

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
