// Test support only: walks every page of a query through keyset positions, as a client following
// the Link header's `next` (and then `prev` back) does.
import { KeysetPosition, KeyValue } from '@app/tmf-query';

export interface KeysetRow {
  readonly id: string;
  readonly values: KeyValue[];
}

/** One keyset page: from the start (no position) or beyond a position. */
export type KeysetPager = (position?: KeysetPosition) => Promise<KeysetRow[]>;

/**
 * Follows `next` from the first page to the end (`between` runs after each page, e.g. to write),
 * then `prev` from the last row back to the start. Returns the ids seen each way, in the query's
 * order; `backward` ends before the last row (the position it started from).
 */
export async function walkKeyset(
  page: KeysetPager,
  limit: number,
  between: (pageNumber: number) => Promise<void> | void = () => undefined,
): Promise<{ forward: string[]; backward: string[]; pages: number }> {
  const forward: KeysetRow[] = [];
  let rows = await page();
  let pages = 1;
  for (;;) {
    forward.push(...rows);
    await between(pages);
    if (rows.length < limit || pages > 10_000) {
      break;
    }
    rows = await page({ direction: 'after', values: rows[rows.length - 1].values });
    pages++;
  }
  const backward: KeysetRow[] = [];
  let edge = forward.at(-1);
  while (edge) {
    const before = await page({ direction: 'before', values: edge.values });
    backward.unshift(...before);
    edge = before.length < limit ? undefined : before[0];
  }
  return { forward: forward.map((r) => r.id), backward: backward.map((r) => r.id), pages };
}
