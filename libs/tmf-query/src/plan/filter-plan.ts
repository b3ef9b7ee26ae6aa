import { Clause } from '@app/tmf-query/parser';

/** Clauses that must hold together on one element of the array `arrayKey`. */
export interface ElementGroup {
  readonly arrayKey: string;
  readonly clauses: readonly Clause[];
}

/**
 * How a filter is matched; both the SQL compiler and the in-memory evaluator follow this plan, so
 * they cannot drift apart.
 */
export interface FilterPlan {
  /** Same-element groups, one per top-level array that clauses address. */
  readonly groups: readonly ElementGroup[];
  /** Clauses matched condition by condition, each over the whole document (some value matches). */
  readonly independent: readonly Clause[];
}

/**
 * The array-matching rule. A condition on a path inside an array matches when some element matches.
 * Clauses (AND-ed parameters) whose conditions all lie under the same first array segment (e.g.
 * `contactMedium.mediumType=email&contactMedium.characteristic.emailAddress=a@b.c`) must all hold on
 * one element of that array. A clause that mixes arrays, or an array with plain attributes
 * (`contactMedium.mediumType=email;status=active`), is matched condition by condition. Arrays nested
 * below the first array segment are matched existentially within the chosen element.
 */
export function planFilter(clauses: readonly Clause[]): FilterPlan {
  const groups = new Map<string, Clause[]>();
  const independent: Clause[] = [];
  for (const clause of clauses) {
    const key = clause.conditions[0]?.attribute.arrayKey;
    if (key !== undefined && clause.conditions.every((c) => c.attribute.arrayKey === key)) {
      const group = groups.get(key);
      if (group) {
        group.push(clause);
      } else {
        groups.set(key, [clause]);
      }
    } else {
      independent.push(clause);
    }
  }
  return {
    groups: [...groups].map(([arrayKey, grouped]) => ({ arrayKey, clauses: grouped })),
    independent,
  };
}
