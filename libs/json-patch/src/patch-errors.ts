import { AppException, ErrorKind } from '@app/tmf-common/core';

/** Error codes raised by the patch library (they become TMF `Error.code`). */
export enum PatchErrorCode {
  /** The body, an operation, a path or a filter is not well formed (400). */
  Malformed = 'PATCH_MALFORMED',
  /** A path or key would reach `__proto__`, `constructor` or `prototype` (400). */
  ForbiddenPath = 'PATCH_FORBIDDEN_PATH',
  /** Too many operations, a path too long or nesting too deep (400). */
  LimitExceeded = 'PATCH_LIMIT_EXCEEDED',
  /** The target (or `from`, or the parent of an `add`) does not exist in the document (409). */
  PathNotFound = 'PATCH_PATH_NOT_FOUND',
  /** A `test` operation did not hold (409). */
  TestFailed = 'PATCH_TEST_FAILED',
  /** A JSON Patch Query filter selected no node (409). */
  FilterNoMatch = 'PATCH_FILTER_NO_MATCH',
  /** A JSON Patch Query `from` selected several nodes; it must select exactly one (409). */
  FromNotUnique = 'PATCH_FROM_NOT_UNIQUE',
  /** The request media type is not a patch format this library applies (415). */
  UnsupportedMediaType = 'PATCH_UNSUPPORTED_MEDIA_TYPE',
}

const KIND: Record<PatchErrorCode, ErrorKind> = {
  [PatchErrorCode.Malformed]: ErrorKind.BadRequest,
  [PatchErrorCode.ForbiddenPath]: ErrorKind.BadRequest,
  [PatchErrorCode.LimitExceeded]: ErrorKind.BadRequest,
  [PatchErrorCode.PathNotFound]: ErrorKind.Conflict,
  [PatchErrorCode.TestFailed]: ErrorKind.Conflict,
  [PatchErrorCode.FilterNoMatch]: ErrorKind.Conflict,
  [PatchErrorCode.FromNotUnique]: ErrorKind.Conflict,
  [PatchErrorCode.UnsupportedMediaType]: ErrorKind.UnsupportedMediaType,
};

/** The kind (hence HTTP status) of each code. */
export function kindOfPatchError(code: PatchErrorCode): ErrorKind {
  return KIND[code];
}

/**
 * Every error the library throws. `operationIndex` is the zero-based index of the failing operation
 * when there is one; the message names it and the path too.
 */
export class PatchException extends AppException<PatchErrorCode> {
  constructor(
    code: PatchErrorCode,
    message: string,
    readonly operationIndex?: number,
    headers: Record<string, string> = {},
  ) {
    super(KIND[code], code, message, headers);
  }
}

/** Where an error happened: the operation index and the path as the client wrote it. */
export interface OperationContext {
  index: number;
  op: string;
  path: string;
}

/** Builds a `PatchException` whose message starts with `operation <i> (<op> <path>)`. */
export function operationError(
  code: PatchErrorCode,
  context: OperationContext,
  detail: string,
): PatchException {
  return new PatchException(
    code,
    `Operation ${context.index} (${context.op} ${JSON.stringify(context.path)}): ${detail}`,
    context.index,
  );
}
