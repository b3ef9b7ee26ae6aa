import { KeyedSerializer } from './keyed-serializer';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('KeyedSerializer', () => {
  it('runs one key’s tasks one at a time in arrival order, other keys alongside', async () => {
    const serializer = new KeyedSerializer();
    const log: string[] = [];
    const gate = deferred();
    const first = serializer.run('a', async () => {
      log.push('a1 start');
      await gate.promise;
      log.push('a1 end');
    });
    const second = serializer.run('a', () => {
      log.push('a2');
      return Promise.resolve();
    });
    const other = serializer.run('b', () => {
      log.push('b1');
      return Promise.resolve();
    });
    await other;
    expect(log).toEqual(['a1 start', 'b1']);
    gate.resolve();
    await Promise.all([first, second]);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
    expect(serializer.busyKeys).toBe(0);
  });

  it('goes on with the next task after a failure, and the caller sees the failure', async () => {
    const serializer = new KeyedSerializer();
    const failed = serializer.run('a', () => Promise.reject(new Error('refused')));
    const next = serializer.run('a', () => Promise.resolve(42));
    await expect(failed).rejects.toThrow('refused');
    await expect(next).resolves.toBe(42);
    expect(serializer.busyKeys).toBe(0);
  });
});
