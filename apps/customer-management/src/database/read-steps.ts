import { readKeyset, SqlStatement } from '@app/tmf-query';

/**
 * One step of a read sent as a whole (one message to a read worker, one snapshot):
 * - a statement: its rows (`first`: only the first row, as `[row]` or `[]`);
 * - `fill`: statements run in order, each with the rows still missing appended as its last
 *   parameter (its LIMIT), until `limit` rows were read: a keyset page (`readKeyset`);
 * - `onlyIfFull`: run only when the step at that index returned at least `limit` rows (else `[]`
 *   and `skipped`): a page's count, needed only when the page is full.
 */
export type ReadStep =
  | {
      readonly sql: string;
      readonly params: readonly unknown[];
      readonly first?: boolean;
      readonly onlyIfFull?: { readonly step: number; readonly limit: number };
    }
  | { readonly fill: readonly SqlStatement[]; readonly limit: number };

/** What each step returned, in the steps' order; `undefined` for a step skipped by `onlyIfFull`. */
export type StepResults = (unknown[] | undefined)[];

/** Runs a read's steps, as a whole, on the caller's snapshot. */
export type ReadBatch = (steps: readonly ReadStep[]) => Promise<StepResults>;

/**
 * Runs the steps through `run`, one statement after the other: on a read worker (its connection,
 * inside the read transaction) and on the main thread's paths alike. `beforeStatement`: called before
 * each statement (the residual check's document budget counts per statement).
 */
export async function runSteps(
  steps: readonly ReadStep[],
  run: (sql: string, params: readonly unknown[], first: boolean) => unknown[] | Promise<unknown[]>,
  beforeStatement?: () => void,
): Promise<StepResults> {
  const results: StepResults = [];
  for (const step of steps) {
    if ('fill' in step) {
      results.push(
        await readKeyset(step.fill, step.limit, (statement) => {
          beforeStatement?.();
          return run(statement.sql, statement.params, false);
        }),
      );
      continue;
    }
    const after = step.onlyIfFull && results[step.onlyIfFull.step];
    if (step.onlyIfFull && (after?.length ?? 0) < step.onlyIfFull.limit) {
      results.push(undefined);
      continue;
    }
    beforeStatement?.();
    results.push(await run(step.sql, step.params, step.first === true));
  }
  return results;
}
