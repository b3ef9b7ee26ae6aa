import { QUIET_MS, SWEEP_MIN, SWEEP_UNDER_LOAD, sweepThreshold } from './token-sweep-plan';

describe('sweepThreshold', () => {
  it('puts an epoch off under write load until half its keys are dead, full pass or not', () => {
    expect(sweepThreshold(0, false)).toBe(SWEEP_UNDER_LOAD);
    expect(sweepThreshold(QUIET_MS - 1, true)).toBe(SWEEP_UNDER_LOAD);
    expect(SWEEP_UNDER_LOAD).toBeGreaterThan(SWEEP_MIN);
  });

  it('sweeps an epoch from a quarter dead once writes are quiet, anything dead on a full pass', () => {
    expect(sweepThreshold(QUIET_MS, false)).toBe(SWEEP_MIN);
    expect(sweepThreshold(Infinity, false)).toBe(SWEEP_MIN);
    expect(sweepThreshold(QUIET_MS, true)).toBe(1);
  });
});
