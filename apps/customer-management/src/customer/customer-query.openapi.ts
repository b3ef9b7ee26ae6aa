import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';

/** `fields` of a list or a read: one parser (`parseFields` of the query language) for both. */
export const FIELDS_QUERY = {
  name: 'fields',
  required: false,
  type: 'string',
  description:
    'Comma-separated attributes to return (dotted paths reach nested ones; `none`: only `id`, `href`, `@type`, always kept). An attribute the Customer schema lacks is a 400.',
  example: 'name,status,contactMedium.mediumType',
} as const;

/**
 * The list's query string as the TMF630 parser reads it: reserved parameters once each, and attribute
 * filters on any Customer attribute path (a `style: form` object, so validators and generated clients
 * know that other names are filters).
 */
export function ApiListQuery(): MethodDecorator {
  return applyDecorators(
    ApiQuery({
      name: 'filters',
      required: false,
      style: 'form',
      explode: true,
      description:
        'Attribute filters, TMF630 Part 1: `path=value`, `path.gt=value` (also `eq ne gte lt lte regex`, or `>`, `>=`, `<`, `<=`, `!=`, `*=`), `,` and `;` for OR, `&` for AND; the same attribute and operator repeated is an OR. The grammar: libs/tmf-query/README.md.',
      schema: {
        type: 'object',
        additionalProperties: { type: 'string' },
        example: { status: 'Approved', 'validFor.startDateTime.gte': '2024-01-01' },
      },
    }),
    ApiQuery({
      name: 'sort',
      required: false,
      type: 'string',
      description: 'Comma-separated sort keys; `-` before a key sorts descending',
      example: '-validFor.startDateTime,name',
    }),
    ApiQuery(FIELDS_QUERY),
    ApiQuery({
      name: 'offset',
      required: false,
      type: 'integer',
      minimum: 0,
      description: 'Index of the first match to return',
      example: 0,
    }),
    ApiQuery({
      name: 'cursor',
      required: false,
      type: 'string',
      description:
        "Opaque keyset cursor from the `Link` header's `next` or `prev`: the page right after (or before) the row it names, as cheap at any depth. Bound to the filter, `sort` and `fields` it was issued for (`limit` may change); never with `offset`. A cursor that is malformed, altered, signed with another key or issued for another query is a 400 `QUERY_INVALID_CURSOR`.",
    }),
    ApiQuery({
      name: 'limit',
      required: false,
      type: 'integer',
      minimum: 0,
      description:
        'Most matches to return (LIST_DEFAULT_LIMIT when absent; 0 answers only the counts)',
      example: 20,
    }),
  );
}
