import { PolledWorker } from './polled-worker';

/** A pass whose runs the test ends one by one. */
function controlledPass() {
  const runs: (() => void)[] = [];
  let started = 0;
  const pass = () =>
    new Promise<void>((resolve) => {
      started++;
      runs.push(resolve);
    });
  return { pass, started: () => started, finish: () => runs.shift()?.() };
}

/** Lets every pending promise callback run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const POLL_MS = 1000;

/** A worker on a controlled pass, started under fake interval timers; `polls` logs each poll. */
async function startedWorker() {
  jest.useFakeTimers({ doNotFake: ['setImmediate'] });
  const p = controlledPass();
  const polls: number[] = [];
  const worker = new PolledWorker({
    pass: p.pass,
    onError: () => undefined,
    onPoll: () => polls.push(p.started()),
  });
  worker.start(POLL_MS);
  await flush();
  return { p, polls, worker };
}

describe(PolledWorker.name, () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs no pass before start; start runs one at once', async () => {
    const p = controlledPass();
    const worker = new PolledWorker({ pass: p.pass, onError: () => undefined });
    worker.kick();
    await flush();
    expect([p.started(), worker.running]).toEqual([0, false]);
    worker.start(POLL_MS);
    await flush();
    expect([p.started(), worker.running]).toEqual([1, true]);
    p.finish();
    await worker.stop();
  });

  it('coalesces kicks: those during a pass make exactly one more pass after it', async () => {
    const { p, worker } = await startedWorker();
    worker.kick();
    worker.kick();
    worker.kick();
    await flush();
    expect(p.started()).toBe(1);
    p.finish();
    await flush();
    expect(p.started()).toBe(2);
    p.finish();
    await flush();
    expect(p.started()).toBe(2);
    await worker.stop();
  });

  it('stop waits for the pass under way; no pass, kicked or polled, after it', async () => {
    const { p, polls, worker } = await startedWorker();
    worker.kick(); // would run again after the current pass
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await flush();
    expect([stopped, worker.running]).toEqual([false, false]);
    p.finish();
    await stopping;
    expect(p.started()).toBe(1);
    worker.kick();
    jest.advanceTimersByTime(POLL_MS * 3);
    await flush();
    expect([p.started(), polls]).toEqual([1, []]);
  });

  it('polls: each interval calls onPoll, then kicks a pass', async () => {
    const { p, polls, worker } = await startedWorker();
    p.finish();
    await flush();
    jest.advanceTimersByTime(POLL_MS);
    await flush();
    expect([polls, p.started()]).toEqual([[1], 2]);
    p.finish();
    await worker.stop();
  });

  it("hands a pass's error to onError and passes again on the next kick", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const worker = new PolledWorker({
      pass: () => (++calls === 1 ? Promise.reject(new Error('db down')) : Promise.resolve()),
      onError: (err) => errors.push(err),
    });
    worker.start(POLL_MS);
    await flush();
    expect(errors).toEqual([new Error('db down')]);
    worker.kick();
    await flush();
    expect([calls, errors.length]).toEqual([2, 1]);
    await worker.stop();
  });
});
