import { consistencyOf, currentConsistency, runWithConsistency } from './read-consistency';

describe('X-Consistency-Token', () => {
  it('takes GTID positions and sets (MariaDB, MySQL) as tokens', () => {
    for (const token of [
      '0-1-42',
      '0-1-42,1-2-7',
      '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7',
      '3e11fa47-71ca-11e1-9e33-c80aa9429562:tag_a:1-3',
      'wsrep',
    ]) {
      expect(consistencyOf(token)).toEqual({ presented: token });
    }
    // A repeated header: the last one.
    expect(consistencyOf(['0-1-1', '0-1-2'])).toEqual({ presented: '0-1-2' });
  });

  it('no header reads as before; anything else is marked invalid (read from the primary), never an error', () => {
    expect(consistencyOf(undefined)).toEqual({});
    expect(consistencyOf('  ')).toEqual({});
    for (const junk of ["0-1-1'; DROP TABLE customer", 'a b', 'x'.repeat(5000)]) {
      expect(consistencyOf(junk)).toEqual({ invalid: true });
    }
  });

  it('follows the request through awaits and timers, and is absent outside one', async () => {
    expect(currentConsistency()).toBeUndefined();
    const seen = await runWithConsistency({ presented: '0-1-9' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return currentConsistency()?.presented;
    });
    expect(seen).toBe('0-1-9');
    expect(currentConsistency()).toBeUndefined();
  });
});
