import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { REPO_ROOT } from './server-process';

/**
 * The team's shared folder (CTK, baseline bench): `SHARED_DIR`, else `../shared` next to the checkout,
 * else /work/shared (CI clones the repo elsewhere).
 */
export function sharedDir(): string {
  const candidates = [
    process.env.SHARED_DIR,
    join(REPO_ROOT, '..', 'shared'),
    '/work/shared',
  ].filter((c): c is string => !!c);
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new Error(`shared folder not found; tried ${candidates.join(', ')} (set SHARED_DIR)`);
  }
  return resolve(found);
}
