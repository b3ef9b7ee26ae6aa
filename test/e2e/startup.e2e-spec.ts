import { spawnSync } from 'node:child_process';

import { REPO_ROOT, SERVER_ENTRY } from '@test/support/server-process';

describe('start-up configuration', () => {
  it('a bad configuration stops start-up with one message listing every problem', () => {
    const result = spawnSync(process.execPath, [SERVER_ENTRY], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: 'eighty',
        DATABASE_URL: 'postgres://nope/db',
        LOG_LEVEL: 'chatty',
        BODY_LIMIT_BYTES: '-1',
      },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(result.status).toBe(78);
    const lines = result.stderr.split('\n').filter((l) => l.trim().startsWith('- '));
    expect(result.stderr).toMatch(/^Invalid configuration:/);
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'BODY_LIMIT_BYTES']) {
      expect(lines.some((l) => l.includes(name))).toBe(true);
    }
  });
});
