import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ServerProcess } from '@test/support/server-process';

/** The test harness's server: one that never becomes ready must not outlive the failed start. */
describe('ServerProcess.start', () => {
  it('kills a server that missed its start-up deadline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'server-process-'));
    const pidFile = join(dir, 'pid');
    const entry = join(dir, 'silent.js');
    // Listens nowhere and never exits: the readiness probe can only time out.
    writeFileSync(
      entry,
      `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\n` +
        'setInterval(() => {}, 1000);\n',
    );

    await expect(ServerProcess.start({}, undefined, 1500, entry)).rejects.toThrow(
      /did not answer within 1500 ms/,
    );

    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });
});
