import { decodeFts5Structure, Fts5Structure } from '@server/database/fts5-structure';
import { SqliteMerger } from '@server/database/sqlite-merger';
import { realisticCustomer } from '@test/fixtures/realistic-customers';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import { TestApp } from './support/test-app';

const CITIES = ['Paris', 'Lyon', 'Berlin', 'Madrid', 'Rome', 'Warsaw', 'Lisbon', 'Vienna'];

async function structureOf(app: TestApp): Promise<Fts5Structure> {
  const [row] = await app.dataSource.query<{ block: Buffer }[]>(
    'SELECT block FROM customer_search_data WHERE id = 10',
  );
  return decodeFts5Structure(row.block);
}

async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600 && !(await done()); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!(await done())) {
    throw new Error(`gave up waiting: ${what}`);
  }
}

type Doc = {
  id: string;
  contactMedium?: { characteristic?: { city?: string } }[];
  creditProfile?: { creditScore?: number }[];
};

/**
 * The token index merger (SQLITE_MERGE_PAGES) on a real file: an index written one customer per
 * write group (one FTS5 segment each, several on a level) is merged down to one segment per level
 * while POSTs, PATCHes and DELETEs keep coming, none of them failing, and the lists still answer
 * exactly what the stored documents hold.
 */
(TEST_DB === 'sqlite' ? describe : describe.skip)('token index merger', () => {
  let app: TestApp | undefined;
  afterAll(async () => {
    await app?.close();
  });

  it('merges the segments under writes, lists equal to the documents', async () => {
    // Written without a merger: FTS5's automerge alone leaves up to three segments a level.
    const writer = await TestApp.start({ SQLITE_MERGE_PAGES: '0' });
    const ids: string[] = [];
    for (let i = 0; i < 63; i++) {
      ids.push((await createCustomer(writer, realisticCustomer(i))).id as string);
    }
    const before = await structureOf(writer);
    await writer.close(true);
    expect(before.levels.some((level) => level.segments >= 2)).toBe(true);

    app = await TestApp.start(
      // Merged again after any new segment, so that it ends merged whatever the last writes left.
      { SQLITE_MERGE_PAGES: '1', SQLITE_MERGE_PAUSE_MS: '1', SQLITE_MERGE_RESUME_SEGMENTS: '1' },
      writer.database,
    );
    const merger = app.app.get(SqliteMerger);
    await until(() => merger.stats.passes > 0, 'a first merge pass');
    let n = 1000;
    let failures = 0;
    const writes = async () => {
      for (let round = 0; round < 60; round++) {
        const created = await app!.request('POST', CUSTOMER_PATH, { body: realisticCustomer(n++) });
        failures += created.status === 201 ? 0 : 1;
        const id = (created.json as { id: string }).id;
        const patched = await app!.request('PATCH', `${CUSTOMER_PATH}/${ids[round % ids.length]}`, {
          body: {
            contactMedium: [
              { mediumType: 'postalAddress', characteristic: { city: CITIES[round % 8] } },
            ],
          },
          headers: { 'content-type': 'application/merge-patch+json' },
        });
        failures += patched.status === 200 ? 0 : 1;
        if (round % 3 === 0) {
          const deleted = await app!.request('DELETE', `${CUSTOMER_PATH}/${id}`);
          failures += deleted.status === 204 ? 0 : 1;
        }
      }
    };
    // Two clients writing at once: write groups of one and of two units.
    await Promise.all([writes(), writes()]);
    expect(failures).toBe(0);
    // One segment a level: what `merge` with usermerge 2 leaves when it has nothing left to do.
    let after = before;
    await until(async () => {
      after = await structureOf(app!);
      return !merger.stats.merging && after.levels.every((level) => level.segments <= 1);
    }, 'one segment per level');
    expect(after.segments).toBeLessThan(before.segments);
    expect(merger.stats.passes).toBeGreaterThan(1);

    const docs = (
      await app.dataSource.query<{ id: string; document: string }[]>(
        'SELECT id, document FROM customer',
      )
    ).map((r) => ({ ...(JSON.parse(r.document) as Doc), id: r.id }));
    const list = async (query: string) => {
      const r = await app!.request('GET', `${CUSTOMER_PATH}?${query}&fields=id&limit=1000`);
      expect(r.status).toBe(200);
      return {
        ids: (r.json as { id: string }[]).map((c) => c.id).sort(),
        total: Number(r.headers.get('x-total-count')),
      };
    };
    for (const city of CITIES.slice(0, 4)) {
      const want = docs
        .filter((d) => d.contactMedium?.some((m) => m.characteristic?.city === city))
        .map((d) => d.id)
        .sort();
      const got = await list(`contactMedium.characteristic.city=${city}`);
      expect(got.ids).toEqual(want);
      expect(got.total).toBe(want.length);
    }
    for (const [from, to] of [
      [300, 500],
      [500, 700],
      [640, 660],
    ]) {
      const want = docs
        .filter((d) =>
          d.creditProfile?.some(
            (p) => p.creditScore !== undefined && p.creditScore >= from && p.creditScore < to,
          ),
        )
        .map((d) => d.id)
        .sort();
      const got = await list(
        `creditProfile.creditScore.gte=${from}&creditProfile.creditScore.lt=${to}`,
      );
      expect(got.ids).toEqual(want);
      expect(got.total).toBe(want.length);
    }
  }, 180_000);
});
