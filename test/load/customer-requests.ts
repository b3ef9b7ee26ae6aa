/**
 * The baseline's customer fixture (../shared/bench/raw/customer.js) and the autocannon requests the
 * load scripts send with it: one definition of a POST's body and a PATCH's, so every harness and
 * probe measures the same writes.
 */
import { join } from 'node:path';

import type autocannon from 'autocannon';

import { BaselineProcess } from './baseline-process';

export interface Fixture {
  BASE: string;
  seedId(i: number): string;
  seedName(i: number): string;
  makeCustomer(i: number, name?: string): Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const fixture = require(join(BaselineProcess.dir(), 'customer.js')) as Fixture;

export function randomInt(max: number): number {
  return Math.floor(Math.random() * max);
}

/** POST of a new customer to the collection at `path`. */
export function postRequest(path: string): autocannon.Request {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req) => ({
      ...req,
      path,
      body: JSON.stringify(fixture.makeCustomer(randomInt(1e9))),
    }),
  };
}

/** A merge PATCH of `status` on one of the first `seeded` seeded customers. */
export function patchRequest(path: string, seeded: number): autocannon.Request {
  return {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req) => ({
      ...req,
      path: `${path}/${fixture.seedId(randomInt(seeded))}`,
      body: JSON.stringify({ status: `S-${randomInt(1e6)}` }),
    }),
  };
}
