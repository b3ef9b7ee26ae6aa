import { AttributePath, QuerySchema, SchemaArray, SchemaNode, SchemaObject } from './schema.types';

const NAME = /^[A-Za-z0-9_@$-]+$/;

/**
 * Compiles a schema tree into the descriptor that the parser, the evaluator and the SQL compiler share.
 * Property names may use letters, digits, `_`, `@`, `$` and `-` (dots separate segments).
 *
 * @example
 * const schema = defineQuerySchema('Thing', { id: 'string', tag: [{ name: 'string' }] });
 * schema.leaves.get('tag.name'); // { type: 'string', arrays: [true, false], arrayKey: 'tag', ... }
 */
export function defineQuerySchema(name: string, root: SchemaObject): QuerySchema {
  const leaves = new Map<string, AttributePath>();
  const objects = new Set<string>();
  walkObject(root, [], [], leaves, objects);
  return { name, root, leaves, objects };
}

function walkObject(
  node: SchemaObject,
  segments: string[],
  arrays: boolean[],
  leaves: Map<string, AttributePath>,
  objects: Set<string>,
): void {
  for (const [key, child] of Object.entries(node)) {
    if (!NAME.test(key)) {
      throw new Error(`Invalid schema property name '${key}' under '${segments.join('.')}'`);
    }
    walkNode(child, [...segments, key], [...arrays, false], leaves, objects);
  }
}

function walkNode(
  node: SchemaNode,
  segments: string[],
  arrays: boolean[],
  leaves: Map<string, AttributePath>,
  objects: Set<string>,
): void {
  const path = segments.join('.');
  if (isArrayNode(node)) {
    // The segment itself holds the array; its element node decides what lies below.
    const flagged = [...arrays.slice(0, -1), true];
    const element = node[0];
    if (isArrayNode(element)) {
      throw new Error(`Arrays of arrays are not supported (at '${path}')`);
    }
    walkNode(element, segments, flagged, leaves, objects);
    return;
  }
  if (typeof node === 'string') {
    const first = arrays.indexOf(true);
    leaves.set(path, {
      path,
      segments,
      type: node,
      arrays,
      arrayKey: first < 0 ? undefined : segments.slice(0, first + 1).join('.'),
    });
    return;
  }
  objects.add(path);
  walkObject(node, segments, arrays, leaves, objects);
}

/** True when the node is an array node (`[element]`). */
export function isArrayNode(node: SchemaNode): node is SchemaArray {
  return Array.isArray(node);
}
