import { CustomerException } from './customer.exception';

/**
 * `fields` of GET by id (other parameters do not apply there): `undefined` for the whole resource,
 * `[]` for `fields=none`, else the first-level or dotted names.
 */
export function fieldsParam(rawQuery: string): string[] | undefined {
  const term = rawQuery.split('&').find((t) => t.startsWith('fields='));
  if (term === undefined) {
    return undefined;
  }
  let value: string;
  try {
    value = decodeURIComponent(term.slice('fields='.length).replace(/\+/g, ' '));
  } catch {
    throw CustomerException.invalidQuery(`Malformed percent-encoding in fields: ${term}`);
  }
  const names = value
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  return names.length === 1 && names[0] === 'none' ? [] : names;
}
