import { HandOffPool } from './hand-off-pool';

describe(HandOffPool.name, () => {
  it('keeps a released item idle when none waits, and hands out the last released first', () => {
    const pool = new HandOffPool<string>();
    expect(pool.tryAcquire()).toBeUndefined();
    pool.release('a');
    pool.release('b');
    expect(pool.idleCount).toBe(2);
    expect(pool.tryAcquire()).toBe('b');
    expect(pool.tryAcquire()).toBe('a');
    expect(pool.tryAcquire()).toBeUndefined();
  });

  it('hands a released item to the first waiter, in arrival order, without keeping it idle', async () => {
    const pool = new HandOffPool<string>();
    const got: string[] = [];
    const first = pool.acquire().then((item) => got.push(`first ${item}`));
    const second = pool.acquire().then((item) => got.push(`second ${item}`));
    expect(pool.waitingCount).toBe(2);
    pool.release('a');
    pool.release('b');
    await Promise.all([first, second]);
    expect(got).toEqual(['first a', 'second b']);
    expect(pool.waitingCount).toBe(0);
    expect(pool.idleCount).toBe(0);
  });

  it('takes out an idle item that is gone, and only an idle one', () => {
    const pool = new HandOffPool<string>();
    pool.release('a');
    pool.release('b');
    expect(pool.remove('a')).toBe(true);
    expect(pool.remove('a')).toBe(false);
    expect(pool.tryAcquire()).toBe('b');
    expect(pool.tryAcquire()).toBeUndefined();
  });

  it('on drain, refuses the waiters and returns the idle items', async () => {
    const pool = new HandOffPool<string>();
    pool.release('a');
    expect(pool.tryAcquire()).toBe('a');
    const waiting = pool.acquire();
    expect(pool.drain(new Error('closed'))).toEqual([]);
    await expect(waiting).rejects.toThrow('closed');
    pool.release('a');
    pool.release('b');
    expect(pool.drain(new Error('closed'))).toEqual(['a', 'b']);
    expect([pool.idleCount, pool.waitingCount]).toEqual([0, 0]);
  });
});
