import { CoalescingRunner } from './coalescing-runner';

/** A task whose runs the test ends one by one. */
function controlledTask() {
  const runs: (() => void)[] = [];
  let started = 0;
  const task = () =>
    new Promise<void>((resolve) => {
      started++;
      runs.push(resolve);
    });
  return { task, started: () => started, finish: () => runs.shift()?.() };
}

/** Lets every pending promise callback run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe(CoalescingRunner.name, () => {
  it('runs at once when idle; requests during a run make exactly one more run after it', async () => {
    const t = controlledTask();
    const runner = new CoalescingRunner(t.task, (err) => {
      throw err;
    });
    runner.request();
    await flush();
    expect(t.started()).toBe(1);
    runner.request();
    runner.request();
    runner.request();
    await flush();
    expect(t.started()).toBe(1);
    t.finish();
    await flush();
    expect(t.started()).toBe(2);
    t.finish();
    await flush();
    expect(t.started()).toBe(2);
    expect(runner.busy).toBe(false);
  });

  it('requests made while the run settles are covered by it (no second run)', async () => {
    const t = controlledTask();
    let release: () => void = () => undefined;
    const settle = () => new Promise<void>((resolve) => (release = resolve));
    const runner = new CoalescingRunner(t.task, () => undefined, settle);
    runner.request();
    runner.request();
    await flush();
    expect(t.started()).toBe(0);
    release();
    await flush();
    expect(t.started()).toBe(1);
    t.finish();
    await flush();
    expect(t.started()).toBe(1);
  });

  it('stop waits for the current run and refuses further runs, the one requested meanwhile too', async () => {
    const t = controlledTask();
    const runner = new CoalescingRunner(t.task, () => undefined);
    runner.request();
    await flush();
    runner.request(); // would run again after the current one
    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false);
    t.finish();
    await stopping;
    expect(t.started()).toBe(1);
    runner.request();
    await flush();
    expect(t.started()).toBe(1);
    expect(runner.busy).toBe(false);
  });

  it("hands a run's error to onError and runs again on the next request", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const runner = new CoalescingRunner(
      () => (++calls === 1 ? Promise.reject(new Error('db down')) : Promise.resolve()),
      (err) => errors.push(err),
    );
    runner.request();
    await flush();
    expect(errors).toEqual([new Error('db down')]);
    runner.request();
    await flush();
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
  });
});
