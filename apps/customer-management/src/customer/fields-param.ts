import { parseQuery } from '@app/tmf-query';
import { customerQuerySchema } from './customer.schema';

/**
 * `fields` of GET by id, read by the list's own parser (one grammar, unknown names a 400):
 * `undefined` for the whole resource, `[]` for `fields=none`, else the names. The route declares no
 * other parameter, so the query string holds nothing else (QueryParameterRules).
 */
export function fieldsParam(rawQuery: string): string[] | undefined {
  const fields = parseQuery(rawQuery, customerQuerySchema).fields;
  return fields && [...fields];
}
