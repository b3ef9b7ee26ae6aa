import { AppException, ErrorKind } from '@app/tmf-common/core';

/** Every error code the query language raises. Each becomes the TMF `Error.code` of a 400 (or 501). */
export enum QueryErrorCode {
  /** The raw query string, a value list or the number of conditions exceeds a configured bound. */
  TooLarge = 'QUERY_TOO_LARGE',
  /** Bad percent-encoding, a term without an operator, an operator written twice. */
  Malformed = 'QUERY_MALFORMED',
  /** The attribute path is not in the schema descriptor. */
  UnknownAttribute = 'QUERY_UNKNOWN_ATTRIBUTE',
  /** The path names an object (not a value) or cannot be used where it appears. */
  InvalidAttribute = 'QUERY_INVALID_ATTRIBUTE',
  /** The operator does not apply to the attribute's type (e.g. `.gt` on a boolean). */
  InvalidOperator = 'QUERY_INVALID_OPERATOR',
  /** The value does not parse as the attribute's type. */
  InvalidValue = 'QUERY_INVALID_VALUE',
  /** The regular expression is too long, invalid or outside the portable subset. */
  InvalidRegex = 'QUERY_INVALID_REGEX',
  /** A `sort` key is unknown, inside an array or not sortable. */
  InvalidSort = 'QUERY_INVALID_SORT',
  /** `offset` / `limit` is negative, not an integer, over the maximum or repeated. */
  InvalidPaging = 'QUERY_INVALID_PAGING',
  /**
   * A keyset `cursor` that is malformed, altered, signed with another secret, of a format this
   * server no longer reads, or issued for another query (filter, sort or fields).
   */
  InvalidCursor = 'QUERY_INVALID_CURSOR',
  /** A reserved parameter that this caller does not accept (e.g. `sort` in a hub query). */
  ParameterNotAllowed = 'QUERY_PARAMETER_NOT_ALLOWED',
  /** The filter would need more stored documents checked one by one than the configured bound. */
  TooBroad = 'QUERY_TOO_BROAD',
  /** TMF630 Part 6 JSONPath `filter=`: not implemented (501). */
  FilterNotImplemented = 'QUERY_FILTER_NOT_IMPLEMENTED',
}

/**
 * A client error in a TMF630 query: the HTTP edge maps it to a TMF `Error` with status 400. The message
 * names the offending attribute, operator or value.
 */
export class QueryException extends AppException<QueryErrorCode> {
  constructor(code: QueryErrorCode, message: string) {
    super(ErrorKind.BadRequest, code, message);
  }
}

/** A query feature that TMF630 allows but this server does not implement (answered with 501). */
export class QueryNotImplementedException extends AppException<QueryErrorCode> {
  constructor(code: QueryErrorCode, message: string) {
    super(ErrorKind.NotImplemented, code, message);
  }
}
