import { isDeepStrictEqual } from 'node:util';

import { sleep, TestSubscriber } from '@test/support/subscriber';

import { eventKey, WriteModel } from './write-model';

export const CUSTOMER_PATH = '/tmf-api/customerManagement/v4/customer';

const PATCH_TYPES = [
  'application/merge-patch+json',
  'application/json',
  'application/json-patch+json',
  'application/json-patch-query+json',
] as const;

type WriteKind = 'POST' | 'PATCH' | 'DELETE';

/** What a 503 may say about a write that, looked up afterwards, turns out applied. */
const NOTHING_CHANGED = 'nothing was changed';

interface Outcome {
  status: number | 'network';
  json?: any;
  ms: number;
}

/** One request's answer as the load saw it. */
export interface LoadSample {
  kind: WriteKind | 'GET';
  status: number | 'network';
  ms: number;
  at: number;
}

/**
 * A steady mixed load (POST, PATCH in all four formats, DELETE, GET) from `workers` concurrent
 * clients, each owning its customers so every id has one well-defined sequence of writes. Every
 * write carries a unique tag (in `statusReason`, or `engagedParty.id` for a create) so that, when
 * its answer is lost or is a 503, the client can look and tell whether it was applied.
 */
export class MixedWriteLoad {
  readonly samples: LoadSample[] = [];
  /** Answers that no valid request should get (4xx, 5xx other than 503): must stay empty. */
  readonly unexpected: string[] = [];
  /** In-doubt writes that were neither applied nor absent (a torn write): must stay empty. */
  readonly violations: string[] = [];
  private stopping = false;
  private running: Promise<void>[] = [];

  constructor(
    private readonly baseUrl: () => string,
    readonly model: WriteModel,
    private readonly options: { workers: number; reads: boolean; pauseMs?: number },
  ) {}

  start(): void {
    this.running = Array.from({ length: this.options.workers }, (_, w) => this.worker(w));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }

  private async send(
    method: string,
    path: string,
    body?: unknown,
    type?: string,
  ): Promise<Outcome> {
    const started = performance.now();
    try {
      const res = await fetch(`${this.baseUrl()}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': type ?? 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(20000),
      });
      const text = await res.text();
      return {
        status: res.status,
        json: text ? (JSON.parse(text) as unknown) : undefined,
        ms: performance.now() - started,
      };
    } catch {
      return { status: 'network', ms: performance.now() - started };
    }
  }

  private record(kind: LoadSample['kind'], outcome: Outcome): void {
    this.samples.push({ kind, status: outcome.status, ms: outcome.ms, at: Date.now() });
  }

  private async worker(w: number): Promise<void> {
    const mine: string[] = [];
    let seq = 0;
    while (!this.stopping) {
      const tag = `w${w}-${seq++}`;
      const roll = Math.random();
      if (this.options.reads && roll < 0.2 && mine.length > 0) {
        const id = mine[Math.floor(Math.random() * mine.length)];
        const read = await this.send('GET', `${CUSTOMER_PATH}/${id}`);
        this.record('GET', read);
        if (read.status !== 200) {
          this.expectOnly503(read, `GET ${id}`);
        }
      } else if (mine.length < 3 || roll < 0.45) {
        await this.create(tag, mine);
      } else if (roll < 0.9) {
        await this.patch(tag, mine[Math.floor(Math.random() * mine.length)]);
      } else {
        const index = Math.floor(Math.random() * mine.length);
        const id = mine[index];
        if (await this.remove(id)) {
          mine.splice(index, 1);
        }
      }
      if (this.options.pauseMs) {
        await sleep(this.options.pauseMs);
      }
    }
  }

  private async create(tag: string, mine: string[]): Promise<void> {
    const body = {
      name: `load ${tag}`,
      status: 'approved',
      statusReason: tag,
      engagedParty: { id: tag, '@referredType': 'Organization' },
      contactMedium: [
        { mediumType: 'email', characteristic: { emailAddress: `${tag}@example.com` } },
      ],
    };
    const outcome = await this.send('POST', CUSTOMER_PATH, body);
    this.record('POST', outcome);
    if (outcome.status === 201) {
      this.model.acknowledged++;
      this.model.saved(outcome.json);
      mine.push(outcome.json.id);
      return;
    }
    this.expectOnly503(outcome, `POST ${tag}`);
    // In doubt: the tag is the engaged party's id (an indexed column); look it up.
    this.model.inDoubt++;
    const found = await this.settled(`${CUSTOMER_PATH}?engagedParty.id=${tag}`);
    if (found.json.length > 0) {
      this.appliedAfterAll(outcome, `POST ${tag}`);
      this.model.inDoubtApplied++;
      this.model.saved(found.json[0]);
      mine.push(found.json[0].id);
    }
  }

  private async patch(tag: string, id: string): Promise<void> {
    const before = this.model.live.get(id)!;
    const type = PATCH_TYPES[Math.floor(Math.random() * PATCH_TYPES.length)];
    const body = patchBody(type, tag, before);
    const outcome = await this.send('PATCH', `${CUSTOMER_PATH}/${id}`, body, type);
    this.record('PATCH', outcome);
    if (outcome.status === 200) {
      this.model.acknowledged++;
      this.model.saved(outcome.json, before);
      return;
    }
    this.expectOnly503(outcome, `PATCH ${type} ${tag}`);
    this.model.inDoubt++;
    const now = await this.settled(`${CUSTOMER_PATH}/${id}`);
    if (now.json.statusReason === tag) {
      this.appliedAfterAll(outcome, `PATCH ${tag}`);
      this.model.inDoubtApplied++;
      this.model.saved(now.json, before);
    } else if (!isDeepStrictEqual(now.json, before)) {
      this.violations.push(`PATCH ${tag} on ${id}: neither applied nor absent`);
    }
  }

  private async remove(id: string): Promise<boolean> {
    const before = this.model.live.get(id)!;
    const outcome = await this.send('DELETE', `${CUSTOMER_PATH}/${id}`);
    this.record('DELETE', outcome);
    if (outcome.status === 204) {
      this.model.acknowledged++;
      this.model.removed(id);
      return true;
    }
    this.expectOnly503(outcome, `DELETE ${id}`);
    this.model.inDoubt++;
    const now = await this.settled(`${CUSTOMER_PATH}/${id}`);
    if (now.status === 404) {
      this.appliedAfterAll(outcome, `DELETE ${id}`);
      this.model.inDoubtApplied++;
      this.model.removed(id);
      return true;
    }
    if (!isDeepStrictEqual(now.json, before)) {
      this.violations.push(`DELETE ${id}: neither applied nor absent`);
    }
    return false;
  }

  /** A write in doubt was applied: its 503 (if it got one) must not have said otherwise. */
  private appliedAfterAll(outcome: Outcome, what: string): void {
    if (outcome.status === 503 && String(outcome.json?.message).includes(NOTHING_CHANGED)) {
      this.violations.push(`${what}: answered 503 "${outcome.json.message}" but was applied`);
    }
  }

  private expectOnly503(outcome: Outcome, what: string): void {
    const tmf503 =
      outcome.status === 503 &&
      outcome.json?.code === 'DATABASE_UNAVAILABLE' &&
      outcome.json?.status === '503';
    if (outcome.status !== 'network' && !tmf503) {
      this.unexpected.push(`${what}: ${outcome.status} ${JSON.stringify(outcome.json)}`);
    }
  }

  /** GET until the server answers from the database again (200 or 404): after a crash or outage. */
  private async settled(path: string): Promise<{ status: number; json: any }> {
    for (;;) {
      const outcome = await this.send('GET', path);
      this.record('GET', outcome);
      if (outcome.status === 200 || outcome.status === 404) {
        return { status: outcome.status, json: outcome.json };
      }
      this.expectOnly503(outcome, `GET ${path}`);
      await sleep(100);
    }
  }
}

function patchBody(type: string, tag: string, before: Record<string, any>): unknown {
  const status = ['approved', 'suspended', 'validated'][Math.floor(Math.random() * 3)];
  switch (type) {
    case 'application/json-patch+json': {
      const media = (before.contactMedium as unknown[] | undefined) ?? [];
      return [
        { op: 'replace', path: '/statusReason', value: tag },
        { op: 'replace', path: '/status', value: status },
        media.length > 3
          ? { op: 'remove', path: '/contactMedium/1' }
          : {
              op: 'add',
              path: '/contactMedium/-',
              value: { mediumType: 'phone', characteristic: { phoneNumber: tag } },
            },
      ];
    }
    case 'application/json-patch-query+json':
      return [
        {
          op: 'replace',
          path: "/contactMedium[?(@.mediumType=='email')]/characteristic/emailAddress",
          value: `${tag}@example.com`,
        },
        { op: 'replace', path: '/statusReason', value: tag },
      ];
    default:
      return {
        statusReason: tag,
        status,
        characteristic: [{ name: 'lastWrite', value: tag }],
      };
  }
}

/** Pages through every customer id the server has. */
export async function allCustomerIds(baseUrl: string): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 1000) {
    const res = await fetch(`${baseUrl}${CUSTOMER_PATH}?fields=id&limit=1000&offset=${offset}`);
    const page = (await res.json()) as { id: string }[];
    ids.push(...page.map((c) => c.id));
    if (page.length < 1000) {
      return ids;
    }
  }
}

/**
 * Compares the server's store with the model: every live id holds exactly its last acknowledged
 * (or observed) document, every deleted id is 404, and no other customer exists.
 */
export async function storeMismatches(baseUrl: string, model: WriteModel): Promise<string[]> {
  const problems: string[] = [];
  for (const [id, expected] of model.live) {
    const res = await fetch(`${baseUrl}${CUSTOMER_PATH}/${id}`);
    const text = await res.text();
    if (res.status !== 200 || !isDeepStrictEqual(JSON.parse(text), expected)) {
      problems.push(`${id}: expected ${JSON.stringify(expected)}, got ${res.status} ${text}`);
    }
  }
  for (const id of model.deleted) {
    const res = await fetch(`${baseUrl}${CUSTOMER_PATH}/${id}`);
    await res.text();
    if (res.status !== 404) {
      problems.push(`${id}: deleted, but GET answers ${res.status}`);
    }
  }
  const stored = new Set(await allCustomerIds(baseUrl));
  for (const id of stored) {
    if (!model.live.has(id)) {
      problems.push(`${id}: stored, but no client write created it`);
    }
  }
  return problems;
}

/** What a fault test checks once its load has stopped. */
export interface Settled {
  /** Keys of the events the subscriber received. */
  delivered: Set<string>;
  /** Events the model owes that never arrived. */
  lostEvents: string[];
  /** Differences between the store and the model ({@link storeMismatches}). */
  lostWrites: string[];
}

/**
 * Waits (up to a minute) for the subscriber to hold every event the model owes, then compares
 * deliveries and the store with the model.
 */
export async function settle(
  baseUrl: string,
  model: WriteModel,
  subscriber: TestSubscriber,
): Promise<Settled> {
  const expected = model.expectedEvents;
  const received = () => new Set(subscriber.events().map(eventKey));
  await subscriber
    .waitFor(() => {
      const now = received();
      return [...expected].every((k) => now.has(k));
    }, 60_000)
    .catch(() => undefined);
  const delivered = received();
  return {
    delivered,
    lostEvents: [...expected].filter((k) => !delivered.has(k)),
    lostWrites: await storeMismatches(baseUrl, model),
  };
}
