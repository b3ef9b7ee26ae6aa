import { Worker } from 'node:worker_threads';

import { awaitExitOrTerminate, exitOf } from './worker-thread-stop';

/** A thread that exits on 'stop' when `obeys`, and otherwise keeps running. */
function thread(obeys: boolean): Worker {
  return new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.on('message', (m) => { if (m === 'stop' && ${obeys}) process.exit(7); });`,
    { eval: true },
  );
}

describe('awaitExitOrTerminate', () => {
  it('lets a thread that stops on its own exit with its own code', async () => {
    const worker = thread(true);
    const terminate = jest.spyOn(worker, 'terminate');
    const code = new Promise<number>((resolve) => worker.once('exit', resolve));
    const exited = exitOf(worker);
    worker.postMessage('stop');
    await awaitExitOrTerminate(worker, exited, 5000);
    expect(await code).toBe(7);
    expect(terminate).not.toHaveBeenCalled();
  });

  it('terminates a thread still running after the grace period', async () => {
    const worker = thread(false);
    const terminate = jest.spyOn(worker, 'terminate');
    const exited = exitOf(worker);
    worker.postMessage('stop');
    await awaitExitOrTerminate(worker, exited, 50);
    expect(terminate).toHaveBeenCalledTimes(1);
    await exited;
  });
});
