import { cloneJson, isJsonObject, JsonValue } from '@app/json-patch/json-value';
import { PatchLimits, resolveLimits } from '@app/json-patch/limits';
import { executeOperation } from '@app/json-patch/operation-executor';
import { parseOperations, PatchOperation } from '@app/json-patch/operations';
import { OperationContext, operationError, PatchErrorCode } from '@app/json-patch/patch-errors';
import { child, Location } from '@app/json-patch/pointer';

import { PathStep, QueryPath } from './ast';
import { isSelective, selectNodes, SelectedNode, stepsFor } from './evaluate';
import { parseQueryPath } from './parser';
import { QuerySyntaxError } from './syntax-error';

/**
 * Applies a TMF630 JSON Patch Query document (`application/json-patch-query+json`): RFC 6902
 * operations whose `path`/`from` may select array elements with filters (see README for the
 * grammar). A plain JSON Pointer keeps exact RFC 6902 semantics. With a filter or wildcard, the
 * operation applies to every selected node; selecting none fails the patch (409), except `add`,
 * whose parent is what must be found. `add` of an object onto a selected object merges its members
 * into it; `add` onto an existing array appends. `from` must select exactly one node; `test` must
 * hold on every selected node. Atomic like `applyJsonPatch`: `document` is never modified.
 *
 * @throws PatchException 400 (`PATCH_MALFORMED`, `PATCH_FORBIDDEN_PATH`, `PATCH_LIMIT_EXCEEDED`) or
 *   409 (`PATCH_PATH_NOT_FOUND`, `PATCH_FILTER_NO_MATCH`, `PATCH_FROM_NOT_UNIQUE`,
 *   `PATCH_TEST_FAILED`), naming the operation index and path
 */
export function applyJsonPatchQuery(
  document: JsonValue,
  operations: unknown,
  limits?: Partial<PatchLimits>,
): JsonValue {
  const bounds = resolveLimits(limits);
  const parsed = parseOperations(operations, bounds);
  let working = cloneJson(document);
  parsed.forEach((operation, index) => {
    const context: OperationContext = { index, op: operation.op, path: operation.path };
    working = applyQueryOperation(working, operation, context, bounds);
  });
  return working;
}

function applyQueryOperation(
  document: JsonValue,
  operation: PatchOperation,
  context: OperationContext,
  limits: PatchLimits,
): JsonValue {
  const path = parse(operation.path, context, limits, 'path');
  const from =
    operation.from === undefined ? undefined : parse(operation.from, context, limits, 'from');
  if (path.syntax === 'pointer' && (from === undefined || from.syntax === 'pointer')) {
    return executeOperation(
      document,
      { ...operation, path: pointerTokens(path), from: from && pointerTokens(from) },
      context,
    );
  }
  const { op } = operation;
  switch (op) {
    case 'add':
      return addAt(document, path, operation.value ?? null, context);
    case 'remove':
    case 'replace':
    case 'test':
      return inReverseOrder(required(document, stepsFor(document, path), context, 'path')).reduce(
        (current, node) =>
          executeOperation(current, { op, path: node.location, value: operation.value }, context),
        document,
      );
    case 'copy': {
      const source = single(document, from, context);
      return addAt(document, path, cloneJson(source.value), context);
    }
    case 'move': {
      const source = single(document, from, context);
      // RFC 6902 §4.4: move is remove-then-add, so the target is resolved after the removal.
      const removed = executeOperation(document, { op: 'remove', path: source.location }, context);
      return addAt(removed, path, source.value, context);
    }
  }
}

/** Adds `value` at every target the steps describe (see `addTargets`). */
function addAt(
  document: JsonValue,
  path: QueryPath,
  value: JsonValue,
  context: OperationContext,
): JsonValue {
  // A plain pointer keeps RFC semantics even when `from` used a filter: no append, no merge.
  const appendToArrays = path.syntax !== 'pointer';
  const targets = addTargets(document, stepsFor(document, path), value, context, appendToArrays);
  let current = document;
  for (const target of inReverseOrder(targets)) {
    if (target.merge && isJsonObject(value)) {
      for (const member of Object.keys(value)) {
        current = executeOperation(
          current,
          { op: 'add', path: [...target.location, member], value: value[member] },
          context,
        );
      }
    } else {
      current = executeOperation(current, { op: 'add', path: target.location, value }, context);
    }
  }
  return current;
}

interface AddTarget extends SelectedNode {
  merge: boolean;
}

/**
 * Where an `add` goes. When the last step names a member or index, its parents must be found and
 * the member is created (or, if it holds an array, appended to). When the last step is a filter or
 * wildcard, the selected nodes must be objects and the value's members are merged into them.
 */
function addTargets(
  document: JsonValue,
  steps: readonly PathStep[],
  value: JsonValue,
  context: OperationContext,
  appendToArrays: boolean,
): AddTarget[] {
  const last = steps.at(-1);
  if (last === undefined) {
    return [{ location: [], value: document, merge: false }];
  }
  if (last.kind === 'filter' || last.kind === 'wildcard') {
    if (!isJsonObject(value)) {
      throw operationError(
        PatchErrorCode.Malformed,
        context,
        'add onto filtered elements merges an object "value" into them; use replace to overwrite',
      );
    }
    return required(document, steps, context, 'path').map((node) => {
      if (!isJsonObject(node.value)) {
        throw operationError(
          PatchErrorCode.PathNotFound,
          context,
          'a selected node is not an object, so the value cannot be merged into it',
        );
      }
      return { ...node, merge: true };
    });
  }
  const parents = required(document, steps.slice(0, -1), context, 'path');
  return parents.flatMap((parent) =>
    targetLocations(parent, last).map((location): AddTarget => {
      const existing = lookupIn(parent, location);
      // JSON Patch Query (not a plain pointer): add onto an existing array appends to it.
      return appendToArrays && Array.isArray(existing)
        ? { location: [...location, '-'], value: existing, merge: false }
        : { location, value: parent.value, merge: false };
    }),
  );
}

/** The locations the last (member, index or token) step names below one parent. */
function targetLocations(parent: SelectedNode, step: PathStep): Location[] {
  switch (step.kind) {
    case 'token':
      return [[...parent.location, step.token]];
    case 'index':
      return [[...parent.location, step.index]];
    case 'member':
      // Part 5 searches arrays on the way: the member is added to every element.
      if (step.spread && Array.isArray(parent.value)) {
        return parent.value.map((_, i) => [...parent.location, i, step.name]);
      }
      return [[...parent.location, step.name]];
    case 'filter':
    case 'wildcard':
      return [];
  }
}

function lookupIn(parent: SelectedNode, location: Location): JsonValue | undefined {
  let value: JsonValue = parent.value;
  for (const token of location.slice(parent.location.length)) {
    const found = child(value, token);
    if (!found.found) {
      return undefined;
    }
    value = found.value;
  }
  return value;
}

/** The selected nodes, or a 409 when there are none. */
function required(
  document: JsonValue,
  steps: readonly PathStep[],
  context: OperationContext,
  member: 'path' | 'from',
): SelectedNode[] {
  const nodes = selectNodes(document, steps);
  if (nodes.length === 0) {
    throw isSelective(steps)
      ? operationError(PatchErrorCode.FilterNoMatch, context, `the ${member} selects no node`)
      : operationError(
          PatchErrorCode.PathNotFound,
          context,
          `no value exists at the ${member}${member === 'from' ? ' (from)' : ''}`,
        );
  }
  return nodes;
}

function single(
  document: JsonValue,
  from: QueryPath | undefined,
  context: OperationContext,
): SelectedNode {
  const nodes = required(document, from ? stepsFor(document, from) : [], context, 'from');
  if (nodes.length > 1) {
    throw operationError(
      PatchErrorCode.FromNotUnique,
      context,
      `"from" selects ${nodes.length} nodes; it must select exactly one`,
    );
  }
  return nodes[0];
}

function parse(
  path: string,
  context: OperationContext,
  limits: PatchLimits,
  member: 'path' | 'from',
): QueryPath {
  try {
    return parseQueryPath(path, limits.maxDepth);
  } catch (error: unknown) {
    if (error instanceof QuerySyntaxError) {
      const code = error.forbidden ? PatchErrorCode.ForbiddenPath : PatchErrorCode.Malformed;
      throw operationError(
        code,
        context,
        `invalid ${member} ${JSON.stringify(path)}: ${error.message}`,
      );
    }
    throw error;
  }
}

function pointerTokens(path: QueryPath): Location {
  return path.syntax === 'legacy'
    ? path.segments
    : path.steps.map((step) => (step.kind === 'token' ? step.token : ''));
}

/**
 * Later nodes first, so that removing or inserting array elements never shifts a location that is
 * still to be processed, and children go before their parents.
 */
function inReverseOrder<T extends SelectedNode>(nodes: readonly T[]): T[] {
  return [...nodes].sort((a, b) => compareLocations(b.location, a.location));
}

function compareLocations(a: Location, b: Location): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const left = a[i];
    const right = b[i];
    if (left !== right) {
      if (typeof left === 'number' && typeof right === 'number') {
        return left - right;
      }
      return String(left) < String(right) ? -1 : 1;
    }
  }
  return a.length - b.length;
}
