import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';

import { IsDateTime, IsPresent, Optional } from './decorators';

// Composite attribute decorators: validation and OpenAPI are declared together so they never diverge.

interface AttributeOptions {
  required?: boolean;
  description?: string;
}

function presence(required: boolean | undefined): PropertyDecorator {
  return required ? IsDefined() : Optional();
}

export function StringAttribute(
  options: AttributeOptions & { maxLength?: number; format?: 'uri'; notEmpty?: boolean } = {},
): PropertyDecorator {
  const decorators = [
    ApiProperty({
      type: String,
      required: !!options.required,
      description: options.description,
      format: options.format,
      maxLength: options.maxLength,
      minLength: options.notEmpty || options.required ? 1 : undefined,
    }),
    presence(options.required),
    IsString(),
  ];
  if (options.maxLength) {
    decorators.push(MaxLength(options.maxLength));
  }
  if (options.notEmpty || options.required) {
    decorators.push(IsNotEmpty());
  }
  return applyDecorators(...decorators);
}

export function DateTimeAttribute(options: AttributeOptions = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      type: String,
      format: 'date-time',
      required: !!options.required,
      description: options.description,
    }),
    presence(options.required),
    IsDateTime(),
  );
}

export function IntegerAttribute(options: AttributeOptions = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      type: 'integer',
      required: !!options.required,
      description: options.description,
    }),
    presence(options.required),
    IsInt(),
  );
}

export function BooleanAttribute(options: AttributeOptions = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ type: Boolean, required: !!options.required, description: options.description }),
    presence(options.required),
    IsBoolean(),
  );
}

const ANY_JSON = [
  { type: 'string' },
  { type: 'number' },
  { type: 'boolean' },
  { type: 'object' },
  { type: 'array', items: {} },
];

/** TMF `Any`: any JSON value. When required, `null` is not accepted. */
export function AnyAttribute(options: AttributeOptions = {}): PropertyDecorator {
  return applyDecorators(
    // Any JSON value but null: a string, number, boolean, object or array.
    ApiProperty({
      required: !!options.required,
      description: options.description,
      oneOf: ANY_JSON,
    }),
    options.required ? IsPresent() : Optional(),
  );
}

/** A nested sub-resource (`isArray` for arrays of them), validated with its own DTO. */
export function NestedAttribute(
  type: () => new () => object,
  options: AttributeOptions & { isArray?: boolean } = {},
): PropertyDecorator {
  const decorators = [
    // The class itself, not the thunk: swagger loses @ApiSchema names behind lazy types.
    ApiProperty({
      type: type(),
      isArray: !!options.isArray,
      required: !!options.required,
      description: options.description,
    }),
    presence(options.required),
    Type(type),
    ValidateNested({ each: !!options.isArray }),
  ];
  decorators.push(options.isArray ? IsArray() : IsObject());
  if (options.isArray) {
    decorators.push(IsObject({ each: true }));
  }
  return applyDecorators(...decorators);
}
