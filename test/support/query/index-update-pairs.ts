// Test support only: pairs of customer documents for checking that an index update (a diff) leaves
// the same rows as a full rewrite. Mixes unrelated documents (most rows change) with one-attribute
// edits (few rows change), as PATCH produces both.
import { generateCustomers } from '@test/fixtures/generated-customers';

export function indexUpdatePairs(
  count: number,
): { id: string; before: Record<string, unknown>; after: Record<string, unknown> }[] {
  const docs = generateCustomers(count, 7);
  return docs.map((before, i) => {
    const id = before.id as string;
    const other = docs[(i * 7 + 3) % count];
    let after: Record<string, unknown>;
    switch (i % 4) {
      case 0:
        after = { ...other, id };
        break;
      case 1:
        after = { ...before, status: `s${i}` };
        break;
      case 2:
        after = { ...before, contactMedium: other.contactMedium, characteristic: [] };
        break;
      default:
        after = { ...other, id, name: before.name, statusReason: undefined };
    }
    return { id, before, after: JSON.parse(JSON.stringify(after)) as Record<string, unknown> };
  });
}

/** A customer's index rows in both tables (bind the id twice), tagged by table, in key order. */
export const BOTH_TABLES_ROWS =
  "SELECT 'i' AS t, path_id, pos, seq, v_type, v, v_full FROM customer_attr WHERE customer_id = ?" +
  " UNION ALL SELECT 'p' AS t, path_id, pos, seq, v_type, v, v_full FROM customer_attr_plain" +
  ' WHERE customer_id = ? ORDER BY t, path_id, pos, seq';
