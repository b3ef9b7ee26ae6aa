import { minimalCustomer } from '@test/fixtures/customers';

import { CUSTOMER_PATH, createCustomer } from './customers';
import { TestApp } from './test-app';

// The customers and filters of the e2e suites of kept keys intersected in memory (SQLite's held
// sets, `token-sets.e2e-spec.ts`; MariaDB's bitmaps, `mysql-token-bitmaps.e2e-spec.ts`): an AND of
// a city and a credit rating, two kept tokens each.

export const CITIES = ['Lyon', 'Paris'];
export const RATINGS = [1, 2];
export const MERGE_PATCH = { 'content-type': 'application/merge-patch+json' };

export interface CityRatingDoc {
  id: string;
  name?: string;
  contactMedium?: { characteristic?: { city?: string } }[];
  creditProfile?: { creditRiskRating?: number; creditScore?: number }[];
}

/** A customer living in `city` with a credit rating of `rating` (and a credit score of `score`). */
export const cityRatingCustomer = (name: string, city: string, rating: number, score = 600) => ({
  ...minimalCustomer(name),
  contactMedium: [{ mediumType: 'postalAddress', characteristic: { city, contactType: 'home' } }],
  creditProfile: [
    {
      creditProfileDate: '2024-03-01T10:00:00Z',
      creditRiskRating: rating,
      creditScore: score,
      validFor: { startDateTime: '2024-03-01T00:00:00Z' },
    },
  ],
});

/** `contactMedium.characteristic.city=<city>&creditProfile.creditRiskRating=<rating>`, evaluated. */
export const matchesCityRating = (d: CityRatingDoc, city: string, rating: number) =>
  d.contactMedium?.some((m) => m.characteristic?.city === city) === true &&
  d.creditProfile?.some((p) => p.creditRiskRating === rating) === true;

/** Every stored customer document, read from the database. */
export async function storedDocuments(app: TestApp): Promise<CityRatingDoc[]> {
  const rows = await app.dataSource.query<{ id: string; document: string }[]>(
    'SELECT id, document FROM customer',
  );
  return rows.map((r) => ({ ...(JSON.parse(r.document) as CityRatingDoc), id: r.id }));
}

/** The page (ids in id order, or reversed) and count a list must answer, from the documents. */
export async function expectedPage(
  app: TestApp,
  city: string,
  rating: number,
  offset: number,
  limit: number,
  desc = false,
): Promise<{ total: number; ids: string[] }> {
  const matching = (await storedDocuments(app))
    .filter((d) => matchesCityRating(d, city, rating))
    .map((d) => d.id)
    .sort();
  if (desc) {
    matching.reverse();
  }
  return { total: matching.length, ids: matching.slice(offset, offset + limit) };
}

/**
 * Runs `writers` loops of writes (each round a POST of `created(writer, round)`, then every third a
 * PATCH of `patched(round)`, else every fourth a DELETE; through `appOf(writer, round)`) beside
 * `readers` loops of `read(round)`, until `minWrites` rounds were written; resolves when every loop
 * has stopped. By default a customer of a city and a rating, patched to another credit profile.
 */
export async function withWritesInFlight(options: {
  writers: number;
  readers: number;
  minWrites: number;
  appOf: (writer: number, round: number) => TestApp;
  read: (round: number) => Promise<void>;
  created?: (writer: number, round: number) => Record<string, unknown>;
  patched?: (round: number) => Record<string, unknown>;
}): Promise<void> {
  const created =
    options.created ??
    ((w: number, i: number) =>
      cityRatingCustomer(`Busy ${w}.${i}`, CITIES[(w + i) % 2], RATINGS[i % 2]));
  const patched =
    options.patched ??
    ((i: number) => ({
      creditProfile: cityRatingCustomer('', 'Lyon', RATINGS[(i + 1) % 2]).creditProfile,
    }));
  let stop = false;
  let writes = 0;
  const writer = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const app = options.appOf(w, i);
      const customer = (await createCustomer(app, created(w, i))) as { id: string };
      if (i % 3 === 1) {
        const res = await app.request('PATCH', `${CUSTOMER_PATH}/${customer.id}`, {
          headers: MERGE_PATCH,
          body: patched(i),
        });
        expect(res.status).toBe(200);
      } else if (i % 4 === 2) {
        expect((await app.request('DELETE', `${CUSTOMER_PATH}/${customer.id}`)).status).toBe(204);
      }
      writes++;
    }
  };
  const reader = async () => {
    for (let i = 0; !stop; i++) {
      await options.read(i);
    }
  };
  const loops = [
    ...Array.from({ length: options.writers }, (_, w) => writer(w)),
    ...Array.from({ length: options.readers }, () => reader()),
  ];
  try {
    while (writes < options.minWrites) {
      // A loop that failed ends the wait with its error.
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 5)), ...loops]);
    }
  } finally {
    stop = true;
    await Promise.all(loops);
  }
}
