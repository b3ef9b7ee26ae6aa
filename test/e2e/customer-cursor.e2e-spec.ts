import { KeysetCursorCodec } from '@app/tmf-query';
import { columnsOf } from '@server/customer/customer-document';
import { CustomerRepository } from '@server/customer/customer.repository';
import { TransactionRunner } from '@server/database/transaction-runner';
import { TEST_DB } from '@test/support/test-database';

import { createCustomer, CUSTOMER_PATH } from './support/customers';
import { HttpResult, TestApp } from './support/test-app';

// Keyset cursors over HTTP: following the Link header's `next` (then `prev`) from the first page
// must give exactly the rows of one big page, in its order, on SQLite and on MariaDB (TEST_DB).

type Doc = Record<string, any>;
const BASE = 'https://api.example.com';
const SECRET = 's'.repeat(40);

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Customers with ties and missing values on every sort key used below. */
function generate(i: number, rand: () => number): Doc {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const doc: Doc = {
    name: pick(['Alpha', 'alpha', 'Dup', 'Émile', '😀 Club', 'Zeta']),
    engagedParty: { id: `org-${i % 7}`, '@referredType': 'Organization' },
  };
  if (rand() < 0.8) {
    doc.status = pick(['active', 'suspended', 'approved']);
  }
  if (rand() < 0.7) {
    const day = Math.floor(rand() * 20);
    doc.validFor = { startDateTime: new Date(Date.UTC(2024, 0, 1 + day)).toISOString() };
  }
  if (rand() < 0.6) {
    doc.statusReason = pick(['moved', 'fraud', 'late payment']);
  }
  if (rand() < 0.5) {
    doc.engagedParty.name = pick(['Acme', 'Globex']);
  }
  return doc;
}

/** The path and query of a Link relation, or undefined. */
function linkTo(res: HttpResult, rel: string): string | undefined {
  const link = res.headers.get('link') ?? '';
  const match = new RegExp(`<${BASE.replace(/\./g, '\\.')}([^>]*)>; rel="${rel}"`).exec(link);
  return match?.[1];
}

function expectTmfError(res: HttpResult, code: string): void {
  expect(res.status).toBe(400);
  expect(res.json).toMatchObject({ status: '400', '@type': 'Error', code });
  expect(typeof res.json.message).toBe('string');
}

describe('Keyset cursors in the Link header (GET /customer)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start({
      PUBLIC_BASE_URL: BASE,
      LIST_MAX_LIMIT: '1000',
      CURSOR_SECRET: SECRET,
    });
    const rand = prng(20);
    for (let i = 0; i < 90; i++) {
      await createCustomer(app, generate(i, rand));
    }
  }, 60000);
  afterAll(async () => {
    await app.close();
  });

  async function all(query: string): Promise<string[]> {
    const res = await app.request('GET', `${CUSTOMER_PATH}?${query}&limit=1000`);
    expect(res.status).toBe(200);
    return res.json.map((c: Doc) => c.id);
  }

  /** Follows `rel` from `start` until it is absent; the ids of every page, and the totals seen. */
  async function walk(
    start: string,
    rel: 'next' | 'prev',
  ): Promise<{ pages: string[][]; totals: number[] }> {
    const pages: string[][] = [];
    const totals: number[] = [];
    let target: string | undefined = start;
    while (target && pages.length < 200) {
      const res = await app.request('GET', target);
      expect([200, 206]).toContain(res.status);
      pages.push(res.json.map((c: Doc) => c.id));
      totals.push(Number(res.headers.get('x-total-count')));
      target = linkTo(res, rel);
    }
    return { pages, totals };
  }

  it.each([
    '',
    'sort=name',
    'sort=-validFor.startDateTime',
    'status=active&sort=-validFor.startDateTime',
    'sort=-status,name,-validFor.startDateTime',
    'sort=statusReason',
    'sort=-engagedParty.name,engagedParty.id',
    'fields=name&sort=-id',
    // Filters the token index answers alone: paged in its row order (seq order is id order).
    'statusReason=fraud',
    'statusReason=moved,late%20payment&sort=-id',
    'engagedParty.name=Acme&statusReason=fraud',
  ])('%s: next to the end gives every row once, in order; prev walks back', async (query) => {
    const expected = await all(query);
    const { pages, totals } = await walk(`${CUSTOMER_PATH}?${query}&limit=7`, 'next');
    expect(pages.flat()).toEqual(expected);
    expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
    // X-Total-Count stays exact on cursor pages.
    expect(new Set(totals)).toEqual(new Set([expected.length]));
    // From the last page back to the first through prev.
    const last = await app.request('GET', `${CUSTOMER_PATH}?${query}&limit=7`);
    let target = linkTo(last, 'next');
    let lastPage: HttpResult = last;
    while (target) {
      lastPage = await app.request('GET', target);
      target = linkTo(lastPage, 'next');
    }
    const back = await walk(linkTo(lastPage, 'prev')!, 'prev');
    const tail = lastPage.json.map((c: Doc) => c.id);
    expect([...back.pages.reverse().flat(), ...tail]).toEqual(expected);
  });

  it('a cursor page can change its limit; next from an offset page continues after it', async () => {
    const expected = await all('sort=name');
    const offsetPage = await app.request('GET', `${CUSTOMER_PATH}?sort=name&offset=10&limit=5`);
    expect(offsetPage.status).toBe(206);
    const next = linkTo(offsetPage, 'next')!;
    const wider = await app.request('GET', next.replace(/limit=5$/, 'limit=20'));
    expect(wider.json.map((c: Doc) => c.id)).toEqual(expected.slice(15, 35));
    expect(linkTo(wider, 'first')).toBe(`${CUSTOMER_PATH}?sort=name&offset=0&limit=20`);
  });

  it('sees every row that stays once, in order, while others are written between pages', async () => {
    const before = new Set(await all('sort=-validFor.startDateTime'));
    const seen: string[] = [];
    const deleted = new Set<string>();
    let target: string | undefined = `${CUSTOMER_PATH}?sort=-validFor.startDateTime&limit=8`;
    const rand = prng(7);
    for (let page = 0; target; page++) {
      const res = await app.request('GET', target);
      seen.push(...res.json.map((c: Doc) => c.id));
      target = linkTo(res, 'next');
      // Between pages: one new customer, one deleted.
      await createCustomer(app, generate(1000 + page, rand));
      const ids = [...before].filter((id) => !deleted.has(id));
      const victim = ids[Math.floor(rand() * ids.length)];
      expect((await app.request('DELETE', `${CUSTOMER_PATH}/${victim}`)).status).toBe(204);
      deleted.add(victim);
    }
    expect(new Set(seen).size).toBe(seen.length);
    const stayed = [...before].filter((id) => !deleted.has(id));
    expect(seen).toEqual(expect.arrayContaining(stayed));
  });

  it('lists token-index filters in id order, also after a customer is inserted out of id order', async () => {
    const inIdOrder = async () => {
      for (const query of ['statusReason=fraud', 'engagedParty.name=Acme&sort=-id']) {
        const ids = await all(query);
        const sorted = [...ids].sort();
        expect(ids).toEqual(query.endsWith('-id') ? sorted.reverse() : sorted);
        const { pages } = await walk(`${CUSTOMER_PATH}?${query}&limit=4`, 'next');
        expect(pages.flat()).toEqual(ids);
      }
    };
    await inIdOrder();
    if (TEST_DB === 'mysql') {
      return;
    }
    // An id below every server-made one (an imported customer): on SQLite seq order stops being
    // id order, which the maintained flag records, and lists sort by id again.
    const doc = {
      '@type': 'Customer',
      name: 'Imported',
      statusReason: 'fraud',
      engagedParty: { id: 'org-1', name: 'Acme' },
    };
    await app.app.get(TransactionRunner).write((manager) =>
      app.app.get(CustomerRepository).insert(manager, {
        id: '00000000-0000-7000-8000-000000000001',
        version: 1,
        document: JSON.stringify(doc),
        parsed: doc,
        columns: columnsOf(doc),
        now: Date.now(),
      }),
    );
    const [{ n }] = await app.dataSource.query<{ n: number }[]>(
      "SELECT SUM(n) AS n FROM customer_count WHERE dim = 'seq_disorder'",
    );
    expect(n).toBe(1);
    await inIdOrder();
    expect((await all('statusReason=fraud'))[0]).toBe('00000000-0000-7000-8000-000000000001');
  });

  it('refuses a malformed, altered, foreign or misplaced cursor with a 400 QUERY_INVALID_CURSOR', async () => {
    const first = await app.request('GET', `${CUSTOMER_PATH}?sort=name&limit=5`);
    const next = linkTo(first, 'next')!;
    const token = /cursor=([^&]+)/.exec(next)![1];
    const [body, mac] = token.split('.');
    const flip = (text: string) => (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
    const foreign = new KeysetCursorCodec('f'.repeat(40)).encode(
      { direction: 'after', values: ['Alpha', 'x'] },
      'sort=name',
    );
    for (const bad of [
      'garbage',
      `${flip(body)}.${mac}`,
      `${body}.${flip(mac)}`,
      foreign,
      encodeURIComponent('ü'.repeat(10)),
    ]) {
      expectTmfError(
        await app.request('GET', `${CUSTOMER_PATH}?sort=name&cursor=${bad}&limit=5`),
        'QUERY_INVALID_CURSOR',
      );
    }
    // Issued for another query: another sort, another filter, other fields.
    for (const other of ['sort=-name', 'sort=name&status=active', 'sort=name&fields=name', '']) {
      const res = await app.request('GET', `${CUSTOMER_PATH}?${other}&cursor=${token}`);
      expectTmfError(res, 'QUERY_INVALID_CURSOR');
    }
    expectTmfError(
      await app.request('GET', `${CUSTOMER_PATH}?sort=name&cursor=${token}&offset=5`),
      'QUERY_INVALID_PAGING',
    );
    expectTmfError(
      await app.request('GET', `${CUSTOMER_PATH}?sort=name&cursor=`),
      'QUERY_INVALID_CURSOR',
    );
  });
});
