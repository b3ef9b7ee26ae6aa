import Ajv, { ValidateFunction } from 'ajv';
import { ClassConstructor } from 'class-transformer';
import { isNotEmpty, maxLength } from 'class-validator';

import { isDateTime } from '@app/tmf-common/core';

import { documentSchema } from './document-schema';
import { timePeriodViolations } from './time-periods';
import { DocumentViolation, hasReservedName, validateDocument } from './validate-document';

/**
 * Validates documents against a DTO at the cost of a compiled JSON Schema check: the schema is
 * generated once from the DTO's class-validator metadata ({@link documentSchema}) and compiled by
 * Ajv. A valid document (the hot path) never reaches class-validator, which spends most of its time
 * building class instances and looking metadata up on every call. An invalid one is handed to
 * {@link validateDocument}, which stays the reference: it decides and names every violation, so
 * messages are unchanged. The two are kept in agreement by a differential test over thousands of
 * generated documents.
 */
export class DocumentValidator<T extends object> {
  private readonly compiled: ValidateFunction;

  /** `schema` names the schema in messages (see {@link validateDocument}). */
  constructor(
    private readonly dto: ClassConstructor<T>,
    private readonly schema: string,
  ) {
    this.compiled = createAjv().compile(documentSchema(dto));
  }

  validate(document: unknown): DocumentViolation[] {
    if (this.accepts(document)) {
      return timePeriodViolations(document);
    }
    return validateDocument(this.dto, document, this.schema);
  }

  /** The compiled verdict alone (for the differential test). */
  accepts(document: unknown): boolean {
    return (
      typeof document === 'object' &&
      document !== null &&
      !Array.isArray(document) &&
      this.compiled(document) &&
      !hasReservedName(document)
    );
  }
}

function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: true });
  ajv.addKeyword({
    keyword: 'cvMaxLength',
    schemaType: 'number',
    errors: false,
    validate: (max: number, data: unknown) => maxLength(data, max),
  });
  ajv.addKeyword({
    keyword: 'cvNotEmpty',
    schemaType: 'boolean',
    errors: false,
    validate: (_enabled: boolean, data: unknown) => isNotEmpty(data),
  });
  ajv.addKeyword({
    keyword: 'tmfDateTime',
    schemaType: 'boolean',
    errors: false,
    validate: (_enabled: boolean, data: unknown) => isDateTime(data),
  });
  return ajv;
}
