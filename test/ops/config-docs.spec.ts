import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadConfig } from '@server/config/app-config';

import { KNOWN_ENV } from './support/app-contract';
import { REPO_ROOT } from './support/paths';

const CONFIG_DIR = join(REPO_ROOT, 'config');

/** The `NAME=value` lines of config/.env.example, in order. */
function exampleEntries(): [string, string][] {
  return readFileSync(join(CONFIG_DIR, '.env.example'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
}

// config/ is where a newcomer learns the settings: it must not drift from EnvDto, the one place
// they are declared and validated.
describe('config/ documents the configuration contract', () => {
  it('.env.example sets every variable of the contract, once each', () => {
    const names = exampleEntries().map(([name]) => name);
    expect(names.length).toBe(new Set(names).size);
    expect([...names].sort()).toEqual([...KNOWN_ENV].sort());
  });

  it(".env.example holds the server's defaults: loaded, it gives the configuration of an empty environment", () => {
    expect(loadConfig(Object.fromEntries(exampleEntries()))).toEqual(loadConfig({}));
  });

  it('config/README.md has a table row for every variable the server validates, and no other', () => {
    const text = readFileSync(join(CONFIG_DIR, 'README.md'), 'utf8');
    const rows = new Set([...text.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]));
    const validated = [...KNOWN_ENV].filter((name) => name !== 'NODE_OPTIONS');
    expect(validated.filter((name) => !rows.has(name))).toEqual([]);
    expect([...rows].filter((name) => !KNOWN_ENV.has(name))).toEqual([]);
  });
});
