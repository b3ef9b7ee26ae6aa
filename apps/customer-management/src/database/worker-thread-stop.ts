import type { Worker } from 'node:worker_threads';

/** Resolves when the thread exits. Taken before the thread is asked to stop: 'exit' fires once. */
export function exitOf(worker: Worker): Promise<void> {
  return new Promise<void>((resolve) => worker.once('exit', () => resolve()));
}

/**
 * Waits up to `graceMs` for a thread that was asked to stop to exit on its own, then terminates it.
 * The thread is referenced meanwhile: with nothing else left in the event loop, the process would
 * otherwise exit in the middle of shutting down.
 */
export async function awaitExitOrTerminate(
  worker: Worker,
  exited: Promise<unknown>,
  graceMs: number,
): Promise<void> {
  worker.ref();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>(
    (resolve) => (timer = setTimeout(() => resolve(true), graceMs)),
  );
  const late = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (late) {
    await worker.terminate();
  }
}
