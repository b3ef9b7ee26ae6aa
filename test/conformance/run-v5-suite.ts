/**
 * The TMF629 v5 conformance suite (no v5 CTK can be fetched here; docs/v5.md): every operation of the
 * official file (libs/tmf629-v5/spec), at both roots, against a server started on a fresh database,
 * twice in a row without a reset. Each call checks its status; every response body is validated
 * against the schema the file gives for that operation and status (the known defects of the file
 * handled as KNOWN_DEFECTS lists); a GET checks its mandatory keys. Prints the operation × status
 * table; exits non-zero on any failure, and when an operation of the file was not exercised.
 *
 *   npm run v5-suite                 # SQLite
 *   npm run v5-suite -- --db mysql   # MariaDB/MySQL at TEST_MYSQL_URL
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

import { TMF629_V5_SPEC } from '@app/tmf629-v5';
import { ServerProcess } from '@test/support/server-process';

import { withDatabase } from './ctk-database';
import { KNOWN_DEFECTS, SpecValidator } from '@test/support/v5-spec-validator';
import { Call, customerCalls, eventCalls } from './v5/v5-calls';

const ROUNDS = 2;
const ROOTS = ['/tmf-api/customerManagement/v5', '/tmf-api/customer/v5'];
const HREF_ROOT = '/tmf-api/customerManagement/v5/';
const ERROR_KEYS = ['@type', 'code', 'reason', 'message', 'status'];
// Statuses this server answers beyond the file's list for an operation, and their bodies.
const EXTRA_STATUSES: Record<string, Record<string, unknown> | null> = {
  '206': { type: 'array', items: { $ref: '#/components/schemas/Customer' } },
  '304': null,
  '412': { $ref: '#/components/schemas/Error' },
  '415': { $ref: '#/components/schemas/Error' },
};

type Operation = { operationId: string; responses?: Record<string, unknown> };

function operations(): Map<string, Operation> {
  const out = new Map<string, Operation>();
  for (const item of Object.values(TMF629_V5_SPEC.paths)) {
    for (const operation of Object.values(item)) {
      out.set(operation.operationId, operation);
    }
  }
  return out;
}

/** The file's schema for an operation's response (undefined: no body expected). */
function responseSchema(operation: Operation, status: number): Record<string, unknown> | null {
  let response = (operation.responses?.[String(status)] ?? operation.responses?.default) as
    Record<string, unknown> | undefined;
  const ref = response?.$ref as string | undefined;
  if (ref) {
    response = TMF629_V5_SPEC.components.responses[ref.split('/').pop()!] as Record<
      string,
      unknown
    >;
  }
  if (response && !operation.responses?.[String(status)] && String(status) in EXTRA_STATUSES) {
    response = undefined;
  }
  if (!response) {
    if (!(String(status) in EXTRA_STATUSES)) {
      throw new Error(`${operation.operationId} ${status}: neither in the file nor an extension`);
    }
    return EXTRA_STATUSES[String(status)];
  }
  const content = response.content as
    Record<string, { schema: Record<string, unknown> }> | undefined;
  return content?.['application/json']?.schema ?? null;
}

interface Outcome {
  call: Call;
  root: string;
  round: number;
  status: number;
  failures: string[];
}

async function run(
  baseUrl: string,
  root: string,
  call: Call,
  ids: Record<string, string>,
  validator: SpecValidator,
): Promise<{ status: number; failures: string[] }> {
  const path = call.path
    .replace('{id}', ids.customer ?? 'none')
    .replace('{hub}', ids.hub ?? 'none');
  const headers: Record<string, string> = { ...(call.headers ?? {}) };
  let body: string | undefined;
  if (call.body !== undefined) {
    body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    headers['content-type'] = call.contentType ?? 'application/json';
  }
  const res = await fetch(`${baseUrl}${root}${path}`, { method: call.method, headers, body });
  const text = await res.text();
  const failures: string[] = [];
  if (res.status !== call.status) {
    failures.push(`status ${res.status}, expected ${call.status}: ${text.slice(0, 300)}`);
    return { status: res.status, failures };
  }
  const operation = operations().get(call.operationId)!;
  const schema = responseSchema(operation, res.status);
  if (schema === null) {
    if (text !== '') {
      failures.push(`a ${res.status} with a body`);
    }
    return { status: res.status, failures };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    failures.push(`not JSON: ${text.slice(0, 100)}`);
    return { status: res.status, failures };
  }
  failures.push(...validator.check(schema, json).map((v) => `schema: ${v}`));
  if (res.status >= 400) {
    const missing = ERROR_KEYS.filter((k) => (json as Record<string, unknown>)[k] === undefined);
    if (missing.length > 0 || (json as Record<string, unknown>)['@type'] !== 'Error') {
      failures.push(`Error body lacks ${missing.join(', ') || '@type Error'}`);
    }
  }
  const items = Array.isArray(json) ? json : [json];
  for (const item of items as Record<string, unknown>[]) {
    const missing = (call.mandatoryKeys ?? []).filter((k) => item[k] === undefined);
    if (missing.length > 0) {
      failures.push(`mandatory keys missing: ${missing.join(', ')}`);
    }
    if (
      typeof item.href === 'string' &&
      call.path.startsWith('/customer') &&
      !item.href.includes(HREF_ROOT)
    ) {
      failures.push(`href ${item.href} is not under ${HREF_ROOT}`);
    }
  }
  if (call.remember && res.status === 201) {
    ids[call.remember] = (json as { id: string }).id;
    if (res.headers.get('location') === null) {
      failures.push('no Location');
    }
  }
  return { status: res.status, failures };
}

async function listening(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/listener` };
}

function report(db: string, outcomes: Outcome[]): number {
  const table = new Map<string, Map<number, { calls: number; failed: number }>>();
  for (const o of outcomes) {
    const row = table.get(o.call.operationId) ?? new Map();
    const cell = row.get(o.call.status) ?? { calls: 0, failed: 0 };
    cell.calls += 1;
    cell.failed += o.failures.length > 0 ? 1 : 0;
    row.set(o.call.status, cell);
    table.set(o.call.operationId, row);
  }
  const out = process.stdout;
  out.write(`\nTMF629 v5 suite on ${db} (${ROUNDS} rounds, both roots, no reset between rounds)\n`);
  out.write('  operation                              status: calls (failed)\n');
  for (const [operationId, row] of table) {
    const cells = [...row.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, c]) => `${status}: ${c.calls}${c.failed ? ` (${c.failed} FAILED)` : ''}`);
    out.write(`  ${operationId.padEnd(38)} ${cells.join(', ')}\n`);
  }
  const failed = outcomes.filter((o) => o.failures.length > 0);
  for (const o of failed) {
    out.write(
      `  FAIL round ${o.round} ${o.root} ${o.call.operationId} ${o.call.label}: ${o.failures.join('; ')}\n`,
    );
  }
  const missing = [...operations().keys()].filter((id) => !table.has(id));
  for (const id of missing) {
    out.write(`  FAIL operation ${id} of the file was not exercised\n`);
  }
  out.write(`  known defects of the file, handled: ${KNOWN_DEFECTS.length} (docs/v5.md)\n`);
  out.write(
    `  TOTAL calls ${outcomes.length}, failed ${failed.length}, operations ${table.size}/${operations().size}\n`,
  );
  return failed.length === 0 && missing.length === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  const dbArg = process.argv.indexOf('--db');
  const db = dbArg >= 0 ? process.argv[dbArg + 1] : (process.env.CTK_DB ?? 'sqlite');
  if (db !== 'sqlite' && db !== 'mysql') {
    throw new Error(`--db must be sqlite or mysql, got ${db}`);
  }
  const validator = new SpecValidator();
  const subscriber = await listening();
  const outcomes: Outcome[] = [];
  try {
    await withDatabase(db, async (databaseUrl) => {
      const server = await ServerProcess.start({
        DATABASE_URL: databaseUrl,
        HUB_CALLBACK_ALLOW: '127.0.0.0/8',
      });
      try {
        for (let round = 1; round <= ROUNDS; round++) {
          for (const root of ROOTS) {
            const ids: Record<string, string> = {};
            const calls = [
              ...customerCalls(`${round}${root}`),
              ...eventCalls(`${subscriber.url}/${round}${root.replaceAll('/', '-')}`),
            ];
            for (const call of calls) {
              const result = await run(server.baseUrl, root, call, ids, validator);
              outcomes.push({ call, root, round, ...result });
            }
          }
        }
      } finally {
        await server.stop();
      }
    });
  } finally {
    subscriber.server.close();
  }
  return report(db, outcomes);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `v5 suite failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(2);
  },
);
