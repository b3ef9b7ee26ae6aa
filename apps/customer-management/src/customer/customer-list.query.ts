import { CustomerException } from './customer.exception';
import { CUSTOMER_PATH } from './customer.mapper';
import { CustomerListQuery } from './customer.repository';
import { Dialect } from '@server/database/dialect';

/** A parsed list request: the SQL part for the repository and the projection for the response. */
export interface ParsedListRequest {
  query: CustomerListQuery;
  /** First-level attributes to return, or undefined for the whole resource. */
  fields?: string[];
}

// First-level attributes backed by an indexed column.
const COLUMN_OF: Record<string, string> = {
  id: 'id',
  name: 'name',
  status: 'status',
  '@type': 'at_type',
};
// Other first-level scalar attributes, read from the document.
const DOCUMENT_SCALARS = ['statusReason', '@baseType', '@schemaLocation'];
const RESERVED = new Set(['fields', 'offset', 'limit']);

function decode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw CustomerException.invalidQuery(`Malformed percent-encoding in query: ${part}`);
  }
}

function nonNegativeInt(name: string, value: string, max?: number): number {
  if (!/^\d+$/.test(value)) {
    throw CustomerException.invalidQuery(`${name} must be a non-negative integer, got "${value}"`);
  }
  const n = Number(value);
  if (max !== undefined && n > max) {
    throw CustomerException.invalidQuery(`${name} must not exceed ${max}, got ${n}`);
  }
  return n;
}

/**
 * Equality filters on first-level attributes (`name=x`, `status=a,b` meaning a OR b), `fields`,
 * `offset` and `limit`, read from the raw query string.
 */
export function parseListRequest(
  rawQuery: string,
  dialect: Dialect,
  baseUrl: string,
  limits: { defaultLimit: number; maxLimit: number },
): ParsedListRequest {
  const conditions: string[] = [];
  const params: unknown[] = [];
  let fields: string[] | undefined;
  let offset = 0;
  let limit = limits.defaultLimit;
  for (const term of rawQuery.split('&').filter((t) => t !== '')) {
    const eq = term.indexOf('=');
    const key = decode(eq < 0 ? term : term.slice(0, eq));
    const rawValue = eq < 0 ? '' : term.slice(eq + 1);
    if (RESERVED.has(key)) {
      const value = decode(rawValue);
      if (key === 'fields') {
        fields = value
          .split(',')
          .map((f) => f.trim())
          .filter((f) => f !== '');
      } else if (key === 'offset') {
        offset = nonNegativeInt('offset', value);
      } else {
        limit = nonNegativeInt('limit', value, limits.maxLimit);
      }
      continue;
    }
    const values = rawValue.split(',').map(decode);
    const column = columnFor(key, dialect);
    if (key === 'href') {
      const prefix = `${baseUrl}${CUSTOMER_PATH}/`;
      const ids = values.map((v) => (v.startsWith(prefix) ? v.slice(prefix.length) : null));
      const known = ids.filter((id): id is string => id !== null && id !== '');
      if (known.length === 0) {
        conditions.push('1 = 0');
        continue;
      }
      conditions.push(`id IN (${known.map(() => '?').join(', ')})`);
      params.push(...known);
      continue;
    }
    conditions.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  }
  return {
    query: { where: conditions.join(' AND '), params, orderBy: 'id', offset, limit },
    fields,
  };
}

function columnFor(attribute: string, dialect: Dialect): string {
  if (attribute === 'href') {
    return 'id';
  }
  const column = COLUMN_OF[attribute];
  if (column) {
    return column;
  }
  if (DOCUMENT_SCALARS.includes(attribute)) {
    const path = `'$."${attribute}"'`;
    return dialect === 'mysql'
      ? `JSON_UNQUOTE(JSON_EXTRACT(document, ${path}))`
      : `json_extract(document, ${path})`;
  }
  throw CustomerException.invalidQuery(
    `Unknown or unsupported filter attribute "${attribute}": filters apply to the first-level attributes id, href, name, status, statusReason, @type, @baseType, @schemaLocation`,
  );
}

/** `fields` from a raw query string (GET by id); other parameters are ignored there. */
export function fieldsParam(rawQuery: string): string[] | undefined {
  for (const term of rawQuery.split('&')) {
    if (term.startsWith('fields=')) {
      return decode(term.slice('fields='.length))
        .split(',')
        .map((f) => f.trim())
        .filter((f) => f !== '');
    }
  }
  return undefined;
}
