import { ErrorKind } from './error-kind';

/**
 * Base of every expected error. `code` is the feature's own string code (it becomes TMF `Error.code`);
 * `kind` decides the HTTP status at the edge. Features extend this in `<feature>.exception.ts`.
 */
export class AppException<Code extends string = string> extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: Code,
    message: string,
    /** Extra response headers the edge must send (e.g. `Allow` with a 405). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}
