import { PatchLimits } from './limits';
import { cloneJson, hasOwn, isJsonObject, JsonValue, jsonValueProblem } from './json-value';
import { PatchErrorCode, PatchException } from './patch-errors';

/** The six RFC 6902 operation names. */
export const PATCH_OPERATION_NAMES = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;

/** One of `add`, `remove`, `replace`, `move`, `copy`, `test`. */
export type PatchOperationName = (typeof PATCH_OPERATION_NAMES)[number];

/** A validated operation. `value` is set for add/replace/test, `from` for move/copy. */
export interface PatchOperation {
  op: PatchOperationName;
  path: string;
  value?: JsonValue;
  from?: string;
}

const NEEDS_VALUE: ReadonlySet<string> = new Set(['add', 'replace', 'test']);
const NEEDS_FROM: ReadonlySet<string> = new Set(['move', 'copy']);

function isOperationName(op: unknown): op is PatchOperationName {
  return typeof op === 'string' && (PATCH_OPERATION_NAMES as readonly string[]).includes(op);
}

/**
 * Checks the shape of a JSON Patch (or JSON Patch Query) document before anything is applied:
 * an array of at most `maxOperations` objects, each with a known `op`, a string `path`, `value`
 * for add/replace/test and a string `from` for move/copy. Members the RFC does not define are
 * ignored (RFC 6902 §4, Appendix A.11). Returns copies, so applying never aliases the body.
 *
 * @throws PatchException `PATCH_MALFORMED` or `PATCH_LIMIT_EXCEEDED` (400) naming the index.
 */
export function parseOperations(body: unknown, limits: PatchLimits): PatchOperation[] {
  if (!Array.isArray(body)) {
    throw new PatchException(
      PatchErrorCode.Malformed,
      'A JSON Patch document must be a JSON array of operations',
    );
  }
  if (body.length > limits.maxOperations) {
    throw new PatchException(
      PatchErrorCode.LimitExceeded,
      `A patch may hold at most ${limits.maxOperations} operations; this one has ${body.length}`,
    );
  }
  return body.map((raw: unknown, index) => parseOperation(raw, index, limits));
}

function parseOperation(raw: unknown, index: number, limits: PatchLimits): PatchOperation {
  const fail = (code: PatchErrorCode, detail: string) =>
    new PatchException(code, `Operation ${index}: ${detail}`, index);
  if (!isJsonObject(raw)) {
    throw fail(PatchErrorCode.Malformed, 'must be a JSON object');
  }
  const { op, path } = raw;
  if (!isOperationName(op)) {
    throw fail(
      PatchErrorCode.Malformed,
      `"op" must be one of ${PATCH_OPERATION_NAMES.join(', ')} (got ${JSON.stringify(op ?? null)})`,
    );
  }
  if (typeof path !== 'string') {
    throw fail(PatchErrorCode.Malformed, `"${op}" needs a string "path"`);
  }
  checkPathLength(path, 'path', limits, fail);
  const operation: PatchOperation = { op, path };
  if (NEEDS_VALUE.has(op)) {
    if (!hasOwn(raw, 'value')) {
      throw fail(
        PatchErrorCode.Malformed,
        `"${op}" needs a "value" (path ${JSON.stringify(path)})`,
      );
    }
    const problem = jsonValueProblem(raw.value, limits.maxDepth);
    if (problem) {
      const code = problem.startsWith('nesting')
        ? PatchErrorCode.LimitExceeded
        : problem.includes('__proto__')
          ? PatchErrorCode.ForbiddenPath
          : PatchErrorCode.Malformed;
      throw fail(code, `"value" contains ${problem} (path ${JSON.stringify(path)})`);
    }
    operation.value = cloneJson(raw.value);
  }
  if (NEEDS_FROM.has(op)) {
    const { from } = raw;
    if (typeof from !== 'string') {
      throw fail(
        PatchErrorCode.Malformed,
        `"${op}" needs a string "from" (path ${JSON.stringify(path)})`,
      );
    }
    checkPathLength(from, 'from', limits, fail);
    operation.from = from;
  }
  return operation;
}

function checkPathLength(
  path: string,
  member: string,
  limits: PatchLimits,
  fail: (code: PatchErrorCode, detail: string) => PatchException,
): void {
  if (path.length > limits.maxPathLength) {
    throw fail(
      PatchErrorCode.LimitExceeded,
      `"${member}" is ${path.length} characters long; the limit is ${limits.maxPathLength}`,
    );
  }
}
