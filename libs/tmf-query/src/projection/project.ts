import { isJsonObject } from '@app/tmf-common/core';

/** Attributes every projection keeps (TMF630: `id` and `href`; this server also keeps `@type`). */
export const ALWAYS_SELECTED: readonly string[] = ['id', 'href', '@type'];

type Selection = Map<string, Selection | true>;

/**
 * Applies a `fields` selection to a JSON document and returns a new object (values are shared, not
 * cloned). `undefined` returns the document unchanged; `[]` (`fields=none`) keeps only the always
 * selected attributes. Dotted names select nested attributes; through an array they project every
 * element (`contactMedium.mediumType` → `contactMedium: [{ mediumType }, ...]`, positions kept).
 * Names the document does not have are ignored.
 *
 * @param document the full representation (for the list endpoint: with `id` and `href` set)
 * @param fields the parsed `fields` list (see `ParsedQuery.fields`)
 * @param alwaysSelected top-level attributes kept whatever the selection
 */
export function project(
  document: unknown,
  fields: readonly string[] | undefined,
  alwaysSelected: readonly string[] = ALWAYS_SELECTED,
): unknown {
  if (fields === undefined || !isJsonObject(document)) {
    return document;
  }
  const selection: Selection = new Map();
  for (const name of [...alwaysSelected, ...fields]) {
    addPath(selection, name.split('.'));
  }
  return projectObject(document, selection) ?? {};
}

function addPath(selection: Selection, segments: string[]): void {
  const [head, ...rest] = segments;
  if (head === undefined || head === '') {
    return;
  }
  const existing = selection.get(head);
  if (rest.length === 0) {
    selection.set(head, true);
    return;
  }
  if (existing === true) {
    return;
  }
  const child = existing ?? new Map<string, Selection | true>();
  selection.set(head, child);
  addPath(child, rest);
}

function projectObject(
  value: Record<string, unknown>,
  selection: Selection,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let found = false;
  // Keep the document's own key order, which is the order clients saw before selection.
  for (const [key, child] of Object.entries(value)) {
    const selected = selection.get(key);
    if (selected === undefined) {
      continue;
    }
    const projected = selected === true ? child : projectValue(child, selected);
    if (projected !== undefined) {
      out[key] = projected;
      found = true;
    }
  }
  return found ? out : undefined;
}

function projectValue(value: unknown, selection: Selection): unknown {
  if (Array.isArray(value)) {
    // Every element is projected; elements without the selected attributes stay as `{}`.
    return (value as unknown[]).map((element) =>
      isJsonObject(element) ? (projectObject(element, selection) ?? {}) : element,
    );
  }
  return isJsonObject(value) ? projectObject(value, selection) : undefined;
}
