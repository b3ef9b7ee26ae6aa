// Test support only: deterministic Customer documents that exercise every path kind and edge case
// (offsets, long strings, code points above U+FFFF, `any` values of every JSON type, missing values).

/** A small deterministic PRNG (mulberry32) so that failures reproduce. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const BASE_URL = 'https://api.example.com';
export const CUSTOMER_PREFIX = `${BASE_URL}/tmf-api/customerManagement/v4/customer/`;

const LONG = 'L'.repeat(600);

export const POOLS = {
  names: [
    'Moon Football Club',
    'Sun Football Club',
    'moon football club',
    'Émile Zola',
    '😀 Emoji Club',
    '\uE000 Private',
    'Zeta',
    'Alpha',
    'alpha',
    "O'Reilly",
    'Dup',
    'Dup',
    'Dup ',
  ],
  statuses: ['approved', 'active', 'suspended', 'validated'],
  types: ['Customer', 'VipCustomer'],
  mediumTypes: ['email', 'phone', 'postal'],
  cities: ['Paris', 'Berlin', 'paris', 'Zürich', 'São Paulo'],
  charNames: ['tier', 'segment', 'score', 'flag', 'tags'],
  charValues: [
    'gold',
    'silver',
    '5',
    5,
    5.5,
    -2,
    0,
    true,
    false,
    'true',
    [1, 'gold'],
    { nested: 1 },
    null,
    '2024-01-01T00:00:00Z',
  ] as unknown[],
  roles: ['owner', 'admin', 'user'],
  offsets: ['Z', '+01:00', '-05:30', '+14:00', '.123Z', '.5+02:00'],
  longTexts: [`${LONG}a`, `${LONG}b`, `${LONG}ab`, LONG, `${LONG.slice(0, 508)}é`, 'short'],
};

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function maybe(random: () => number, probability: number): boolean {
  return random() < probability;
}

function dateTime(random: () => number): string {
  const day = 1 + Math.floor(random() * 28);
  const hour = Math.floor(random() * 24);
  return `2024-0${1 + Math.floor(random() * 3)}-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00${pick(random, POOLS.offsets)}`;
}

/** Generates `count` customers with ids `c0000`… and the derived href set. */
export function generateCustomers(count: number, seed = 42): Record<string, unknown>[] {
  const random = createRandom(seed);
  const customers: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const id = `c${String(i).padStart(4, '0')}`;
    const customer: Record<string, unknown> = { id, href: `${CUSTOMER_PREFIX}${id}` };
    if (maybe(random, 0.9)) {
      customer.name = pick(random, POOLS.names);
    }
    if (maybe(random, 0.85)) {
      customer.status = pick(random, POOLS.statuses);
    }
    if (maybe(random, 0.3)) {
      customer.statusReason = pick(random, POOLS.longTexts);
    }
    customer.engagedParty = {
      id: String(100 + Math.floor(random() * 20)),
      '@referredType': pick(random, ['Organization', 'Individual']),
      ...(maybe(random, 0.5) ? { name: pick(random, POOLS.names) } : {}),
    };
    if (maybe(random, 0.8)) {
      customer.validFor = {
        startDateTime: dateTime(random),
        ...(maybe(random, 0.5) ? { endDateTime: dateTime(random) } : {}),
      };
    }
    customer.contactMedium = Array.from({ length: Math.floor(random() * 4) }, () => {
      const mediumType = pick(random, POOLS.mediumTypes);
      const medium: Record<string, unknown> = {
        mediumType,
        characteristic:
          mediumType === 'email'
            ? { emailAddress: `${pick(random, ['a', 'b', 'c'])}@example.com` }
            : mediumType === 'phone'
              ? { phoneNumber: `+33 1 ${Math.floor(random() * 10)}` }
              : {
                  city: pick(random, POOLS.cities),
                  street1: pick(random, POOLS.longTexts),
                },
      };
      if (maybe(random, 0.6)) {
        medium.preferred = maybe(random, 0.5);
      }
      if (maybe(random, 0.3)) {
        medium.validFor = { startDateTime: dateTime(random) };
      }
      return medium;
    });
    if (maybe(random, 0.7)) {
      customer.characteristic = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
        name: pick(random, POOLS.charNames),
        value: pick(random, POOLS.charValues),
      }));
    }
    if (maybe(random, 0.5)) {
      customer.creditProfile = Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({
        creditProfileDate: dateTime(random),
        creditScore: 500 + Math.floor(random() * 10) * 50,
        ...(maybe(random, 0.5) ? { creditRiskRating: Math.floor(random() * 5) } : {}),
        validFor: { startDateTime: dateTime(random) },
      }));
    }
    if (maybe(random, 0.5)) {
      customer.relatedParty = Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({
        id: String(Math.floor(random() * 10)),
        role: pick(random, POOLS.roles),
        '@referredType': 'Individual',
      }));
    }
    if (maybe(random, 0.3)) {
      customer.account = [{ name: pick(random, ['Main', 'Billing']), id: 'acc-1' }];
    }
    if (maybe(random, 0.9)) {
      customer['@type'] = pick(random, POOLS.types);
    }
    customers.push(customer);
  }
  return customers;
}
