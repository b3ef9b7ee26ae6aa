/** Thrown by the query parsers; the caller adds the operation index and turns it into a 400. */
export class QuerySyntaxError extends Error {
  constructor(
    message: string,
    /** True when the path names `__proto__`, `constructor` or `prototype`. */
    readonly forbidden = false,
  ) {
    super(message);
    this.name = 'QuerySyntaxError';
  }
}
