// What a change's events cost the write path by version: building the TMF envelopes of a create and
// of an update (status and name changed) of a customer with every v4 attribute, and the JSON of the
// outbox row, v4 alone against v4 + v5. CPU per change in this process, three rounds side by side.
//
//   npx ts-node --transpile-only -r tsconfig-paths/register test/load/hub-envelope-cost.ts
import { performance } from 'node:perf_hooks';

import type { EntityManager } from 'typeorm';

import { CustomerCreatedEvent, CustomerUpdatedEvent } from '@server/customer/events';
import { createEvents, updateEvents } from '@server/hub/outbox/envelope-builder';
import { v5CreateEvents, v5UpdateEvents } from '@server/hub/outbox/v5-envelope-builder';
import { fullCustomer } from '@test/fixtures/customers';

const RUNS = 20_000;
const manager = {} as EntityManager;
const customer = { id: 'c1', href: 'https://api.example/customer/c1', ...fullCustomer() };
const after = { ...customer, name: 'Renamed', status: 'suspended' };

const created = () => new CustomerCreatedEvent(manager, customer, new Date());
const updated = () =>
  new CustomerUpdatedEvent(manager, customer, after, ['name', 'status'], new Date());

const cases: [string, () => string][] = [
  ['create v4', () => JSON.stringify(createEvents(created()))],
  [
    'create v4+v5',
    () => {
      const e = created();
      return JSON.stringify([...createEvents(e), ...v5CreateEvents(e)]);
    },
  ],
  ['update v4', () => JSON.stringify(updateEvents(updated()))],
  [
    'update v4+v5',
    () => {
      const e = updated();
      return JSON.stringify([...updateEvents(e), ...v5UpdateEvents(e)]);
    },
  ],
];

for (let round = 1; round <= 3; round++) {
  for (const [label, row] of cases) {
    for (let i = 0; i < 2_000; i++) {
      row();
    }
    let bytes = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < RUNS; i++) {
      bytes = row().length;
    }
    const used = process.cpuUsage(cpu);
    const wall = ((performance.now() - started) * 1000) / RUNS;
    process.stdout.write(
      `round ${round}  ${label.padEnd(13)} CPU ${((used.user + used.system) / RUNS).toFixed(1)} µs/change ` +
        `(wall ${wall.toFixed(1)} µs), row ${bytes} B\n`,
    );
  }
}
