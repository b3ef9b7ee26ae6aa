import {
  applyOperation as applyLibraryOperation,
  JsonPatchError,
  Operation,
} from 'fast-json-patch';

import { cloneJson, isJsonObject, JsonValue } from './json-value';
import { PatchOperationName } from './operations';
import { OperationContext, operationError, PatchErrorCode } from './patch-errors';
import {
  arrayIndex,
  forbiddenKeyIn,
  formatPointer,
  isProperPrefix,
  Location,
  lookup,
} from './pointer';

/** An operation whose `path` (and `from`) are concrete locations in the document. */
export interface ResolvedOperation {
  op: PatchOperationName;
  path: Location;
  from?: Location;
  value?: JsonValue;
}

/**
 * Applies one operation with exact RFC 6902 semantics to `document`, which the caller owns (a
 * working copy: it is changed in place). Returns the new root (it differs when the root itself is
 * replaced).
 *
 * fast-json-patch does the change; the checks in front of it make it exact where the library is
 * lax: own members only (no inherited `toString`), strict array index tokens (no `01`, no empty
 * token), `-` only for `add`, move into a child rejected, and the move/copy target checked after
 * the removal, as RFC 6902 §4.4 defines move as remove-then-add.
 */
export function executeOperation(
  document: JsonValue,
  operation: ResolvedOperation,
  context: OperationContext,
): JsonValue {
  const forbidden = forbiddenKeyIn(operation.path) ?? forbiddenKeyIn(operation.from ?? []);
  if (forbidden !== undefined) {
    throw operationError(
      PatchErrorCode.ForbiddenPath,
      context,
      `the member name "${forbidden}" is not allowed in a path`,
    );
  }
  const { path } = operation;
  switch (operation.op) {
    case 'add':
      checkAddTarget(document, path, context);
      return runLibrary(
        document,
        { op: 'add', path: formatPointer(path), value: value(operation) },
        context,
      );
    case 'remove':
      if (path.length === 0) {
        throw operationError(
          PatchErrorCode.Malformed,
          context,
          'the document root cannot be removed',
        );
      }
      checkExists(document, path, context, 'path');
      return runLibrary(document, { op: 'remove', path: formatPointer(path) }, context);
    case 'replace':
      checkExists(document, path, context, 'path');
      return runLibrary(
        document,
        { op: 'replace', path: formatPointer(path), value: value(operation) },
        context,
      );
    case 'test':
      if (!lookup(document, path).found) {
        throw operationError(PatchErrorCode.TestFailed, context, 'there is no value at the path');
      }
      return runLibrary(
        document,
        { op: 'test', path: formatPointer(path), value: value(operation) },
        context,
      );
    case 'copy': {
      const copied = checkExists(document, from(operation), context, 'from');
      checkAddTarget(document, path, context);
      return runLibrary(
        document,
        { op: 'add', path: formatPointer(path), value: cloneJson(copied) },
        context,
      );
    }
    case 'move':
      return move(document, from(operation), path, context);
  }
}

function move(
  document: JsonValue,
  source: Location,
  path: Location,
  context: OperationContext,
): JsonValue {
  const moved = checkExists(document, source, context, 'from');
  if (isProperPrefix(source, path)) {
    throw operationError(
      PatchErrorCode.Malformed,
      context,
      `cannot move ${JSON.stringify(formatPointer(source))} into one of its own children`,
    );
  }
  if (formatPointer(source) === formatPointer(path)) {
    return document;
  }
  if (source.length === 0) {
    // Moving the root somewhere below itself was rejected above; only root-to-root remains.
    return document;
  }
  const afterRemoval = runLibrary(document, { op: 'remove', path: formatPointer(source) }, context);
  checkAddTarget(afterRemoval, path, context);
  return runLibrary(afterRemoval, { op: 'add', path: formatPointer(path), value: moved }, context);
}

function value(operation: ResolvedOperation): JsonValue {
  // parseOperations guarantees a value for add/replace/test; copy per target so targets never alias.
  return cloneJson(operation.value ?? null);
}

function from(operation: ResolvedOperation): Location {
  return operation.from ?? [];
}

function checkExists(
  document: JsonValue,
  location: Location,
  context: OperationContext,
  member: 'path' | 'from',
): JsonValue {
  const found = lookup(document, location);
  if (!found.found) {
    throw operationError(
      PatchErrorCode.PathNotFound,
      context,
      `no value exists at ${member} ${JSON.stringify(formatPointer(location))}`,
    );
  }
  return found.value;
}

/** RFC 6902 §4.1: the parent must exist; an array index may be `-` or at most the length. */
function checkAddTarget(document: JsonValue, path: Location, context: OperationContext): void {
  if (path.length === 0) {
    return;
  }
  const parent = lookup(document, path.slice(0, -1));
  const where = JSON.stringify(formatPointer(path));
  if (!parent.found) {
    throw operationError(
      PatchErrorCode.PathNotFound,
      context,
      `the parent of ${where} does not exist`,
    );
  }
  const last = path[path.length - 1];
  if (Array.isArray(parent.value)) {
    if (last === '-') {
      return;
    }
    const index = arrayIndex(last);
    if (index === undefined) {
      throw operationError(
        PatchErrorCode.PathNotFound,
        context,
        `"${String(last)}" is not an array index (digits without leading zeros, or "-")`,
      );
    }
    if (index > parent.value.length) {
      throw operationError(
        PatchErrorCode.PathNotFound,
        context,
        `array index ${index} is out of range (the array has ${parent.value.length} elements)`,
      );
    }
    return;
  }
  if (!isJsonObject(parent.value)) {
    throw operationError(
      PatchErrorCode.PathNotFound,
      context,
      `the parent of ${where} is neither an object nor an array`,
    );
  }
}

function runLibrary(
  document: JsonValue,
  operation: Operation,
  context: OperationContext,
): JsonValue {
  try {
    // validate, mutate the working copy in place, ban prototype modifications.
    return applyLibraryOperation(document, operation, true, true, true, context.index).newDocument;
  } catch (error: unknown) {
    throw translateLibraryError(error, context);
  }
}

// fast-json-patch error names that mean "the document has no such location".
const UNRESOLVABLE: ReadonlySet<string> = new Set([
  'OPERATION_PATH_UNRESOLVABLE',
  'OPERATION_FROM_UNRESOLVABLE',
  'OPERATION_PATH_CANNOT_ADD',
  'OPERATION_VALUE_OUT_OF_BOUNDS',
  'OPERATION_PATH_ILLEGAL_ARRAY_INDEX',
]);

function translateLibraryError(error: unknown, context: OperationContext): Error {
  if (error instanceof JsonPatchError) {
    if (error.name === 'TEST_OPERATION_FAILED') {
      return operationError(
        PatchErrorCode.TestFailed,
        context,
        'the value is not equal to "value"',
      );
    }
    const code = UNRESOLVABLE.has(error.name)
      ? PatchErrorCode.PathNotFound
      : PatchErrorCode.Malformed;
    return operationError(code, context, error.message);
  }
  // Forbidden member names never reach the library (refused above by code, not recognised here by
  // the library's message), so anything else it throws is a defect: a 500, not a client error.
  return error instanceof Error ? error : new Error(String(error));
}
