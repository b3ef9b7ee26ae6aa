import { isJsonObject, JsonObject, parseInstant } from '@app/tmf-common';

/** The typed, indexed copies of document attributes (columns of `customer`, see the migrations). */
export interface CustomerColumns {
  name: string | null;
  status: string | null;
  atType: string;
  engagedPartyId: string | null;
  validForStart: number | null;
  validForEnd: number | null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function instantOrNull(value: unknown): number | null {
  if (typeof value !== 'string') {
    return null;
  }
  return parseInstant(value) ?? null;
}

/** Derives the indexed columns from a (validated) customer document. */
export function columnsOf(document: JsonObject): CustomerColumns {
  const engagedParty = isJsonObject(document.engagedParty) ? document.engagedParty : {};
  const validFor = isJsonObject(document.validFor) ? document.validFor : {};
  return {
    name: stringOrNull(document.name),
    status: stringOrNull(document.status),
    atType: stringOrNull(document['@type']) ?? 'Customer',
    engagedPartyId: stringOrNull(engagedParty.id),
    validForStart: instantOrNull(validFor.startDateTime),
    validForEnd: instantOrNull(validFor.endDateTime),
  };
}

/** The columns whose value differs between two derivations (in declaration order). */
export function changedColumns(
  before: CustomerColumns,
  after: CustomerColumns,
): (keyof CustomerColumns)[] {
  return (Object.keys(after) as (keyof CustomerColumns)[]).filter(
    (key) => before[key] !== after[key],
  );
}
