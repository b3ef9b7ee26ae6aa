import { CachedSample } from './cached-sample';

describe(CachedSample.name, () => {
  function counting(values: (number | Error)[]) {
    let calls = 0;
    const take = () => {
      const v = values[calls++];
      return v instanceof Error ? Promise.reject(v) : Promise.resolve(v);
    };
    return { take, calls: () => calls };
  }

  it('concurrent reads share one sampling; reads within the TTL reuse it; a later read samples again', async () => {
    const source = counting([3, 7]);
    const sample = new CachedSample(5000, source.take);
    expect(await Promise.all([sample.get(0), sample.get(0), sample.get(10)])).toEqual([3, 3, 3]);
    expect(source.calls()).toBe(1);
    expect(await sample.get(4999)).toBe(3);
    expect(source.calls()).toBe(1);
    expect(await sample.get(5000)).toBe(7);
    expect(source.calls()).toBe(2);
  });

  it('keeps no failed sampling: the next read tries again', async () => {
    const source = counting([new Error('NATS down'), 4]);
    const sample = new CachedSample(5000, source.take);
    await expect(sample.get(0)).rejects.toThrow('NATS down');
    expect(await sample.get(1)).toBe(4);
    expect(source.calls()).toBe(2);
  });
});
