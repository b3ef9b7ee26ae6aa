import { EPOCH_BITS } from '@app/tmf-query';

/**
 * An epoch is swept once this many of its keys are dead (a quarter of an epoch), so that one walk of
 * its region serves many deletes.
 */
export const SWEEP_MIN = 2 ** (EPOCH_BITS - 2);
/**
 * While writes are coming in, an epoch waits until half its keys are dead: a sweep walks the
 * epoch's whole region (~35 rows per customer) and competes with the writes for the database, so
 * under load it is put off to a quiet moment unless the dead rows would outgrow the live ones.
 */
export const SWEEP_UNDER_LOAD = 2 ** (EPOCH_BITS - 1);
/** No write started for this long: the database is quiet enough to sweep. */
export const QUIET_MS = 2_000;

/**
 * The fewest dead keys that make an epoch worth a walk now: `fullPass` (every so many passes) takes
 * whatever is dead, but only when no write started for QUIET_MS.
 */
export function sweepThreshold(msSinceLastWrite: number, fullPass: boolean): number {
  if (msSinceLastWrite < QUIET_MS) {
    return SWEEP_UNDER_LOAD;
  }
  return fullPass ? 1 : SWEEP_MIN;
}
