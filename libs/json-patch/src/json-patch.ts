import { cloneJson, JsonValue } from './json-value';
import { PatchLimits, resolveLimits } from './limits';
import { executeOperation } from './operation-executor';
import { parseOperations } from './operations';
import { OperationContext, operationError, PatchErrorCode } from './patch-errors';
import { forbiddenKeyIn, Location, parsePointer } from './pointer';

/**
 * Applies an RFC 6902 JSON Patch (`application/json-patch+json`). `path` and `from` are RFC 6901
 * JSON Pointers. The patch is atomic: operations run in order on a copy, and if one fails an
 * exception is thrown and `document` is untouched.
 *
 * @param document the current document (not modified)
 * @param operations the request body; validated here (an array of operation objects)
 * @param limits optional bounds (operation count, path length, depth)
 * @returns the patched copy
 * @throws PatchException 400 (`PATCH_MALFORMED`, `PATCH_FORBIDDEN_PATH`, `PATCH_LIMIT_EXCEEDED`) or
 *   409 (`PATCH_PATH_NOT_FOUND`, `PATCH_TEST_FAILED`), naming the operation index and path
 */
export function applyJsonPatch(
  document: JsonValue,
  operations: unknown,
  limits?: Partial<PatchLimits>,
): JsonValue {
  const bounds = resolveLimits(limits);
  const parsed = parseOperations(operations, bounds);
  let working = cloneJson(document);
  parsed.forEach((operation, index) => {
    const context: OperationContext = { index, op: operation.op, path: operation.path };
    const path = pointerLocation(operation.path, context, bounds, 'path');
    const from =
      operation.from === undefined
        ? undefined
        : pointerLocation(operation.from, context, bounds, 'from');
    working = executeOperation(working, { ...operation, path, from }, context);
  });
  return working;
}

/**
 * Parses a JSON Pointer from an operation and applies the static checks (syntax, depth, forbidden
 * member names).
 */
export function pointerLocation(
  pointer: string,
  context: OperationContext,
  limits: PatchLimits,
  member: 'path' | 'from',
): Location {
  const parsed = parsePointer(pointer);
  if ('error' in parsed) {
    throw operationError(
      PatchErrorCode.Malformed,
      context,
      `${member} ${JSON.stringify(pointer)} is not a JSON Pointer: ${parsed.error}`,
    );
  }
  if (parsed.tokens.length > limits.maxDepth) {
    throw operationError(
      PatchErrorCode.LimitExceeded,
      context,
      `${member} has ${parsed.tokens.length} segments; the limit is ${limits.maxDepth}`,
    );
  }
  const forbidden = forbiddenKeyIn(parsed.tokens);
  if (forbidden !== undefined) {
    throw operationError(
      PatchErrorCode.ForbiddenPath,
      context,
      `the member name "${forbidden}" is not allowed in a path`,
    );
  }
  return parsed.tokens;
}
