/**
 * Deterministic, realistic customers for the query benchmark: varied contact media, characteristics,
 * statuses, dates and credit profiles. `realisticCustomer(i)` is a pure function of `i`, so a load
 * script can derive valid query values for any seeded customer without asking the server.
 */

const FIRST = [
  'Anna',
  'Ben',
  'Chloé',
  'David',
  'Emma',
  'Farid',
  'Giulia',
  'Hugo',
  'Inès',
  'Jonas',
  'Katarzyna',
  'Liam',
  'María',
  'Noah',
  'Olga',
  'Pierre',
  'Quentin',
  'Rania',
  'Sofia',
  'Tomás',
  'Ursula',
  'Victor',
  'Wen',
  'Xavier',
  'Yara',
  'Zoé',
];
const LAST = [
  'Martin',
  'Bernard',
  'Dubois',
  'Müller',
  'Schmidt',
  'García',
  'Rossi',
  'Kowalski',
  'Novak',
  'Silva',
  'Smith',
  'Jones',
  'Nguyen',
  'Kim',
  'Haddad',
  'Okafor',
  'Andersen',
  'Ivanova',
  'Costa',
  'Dupont',
  'Lefèvre',
  'Moreau',
  'Fischer',
  'Weber',
  'Wagner',
  'Bianchi',
  'Romano',
  'Nowak',
  'Horvat',
  'Popescu',
];
const CITIES = [
  'Paris',
  'Lyon',
  'Marseille',
  'Berlin',
  'Hamburg',
  'Madrid',
  'Barcelona',
  'Rome',
  'Milan',
  'Warsaw',
  'Lisbon',
  'Porto',
  'Vienna',
  'Prague',
  'Brussels',
  'Amsterdam',
  'Dublin',
  'Zürich',
  'Geneva',
  'Copenhagen',
];
const STATUSES: Array<[string, number]> = [
  ['active', 0.6],
  ['approved', 0.15],
  ['suspended', 0.1],
  ['validated', 0.1],
  ['inactive', 0.05],
];
const DAY = 86400000;
export const VALID_FOR_EPOCH = Date.UTC(2015, 0, 1);
export const VALID_FOR_DAYS = 3650;

/** A 32-bit hash of (i, salt): cheap, deterministic, well spread. */
function h(i: number, salt: number): number {
  let x = (i * 2654435761 + salt * 40503) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

const frac = (i: number, salt: number) => h(i, salt) / 2 ** 32;

export function seededId(i: number): string {
  return `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

export function nameOf(i: number): string {
  return `${FIRST[h(i, 1) % FIRST.length]} ${LAST[h(i, 2) % LAST.length]} ${h(i, 3) % 1000}`;
}

export function emailOf(i: number): string {
  return `customer${i}@mail${i % 7}.example.com`;
}

export function statusOf(i: number): string {
  let r = frac(i, 4);
  for (const [status, weight] of STATUSES) {
    if (r < weight) {
      return status;
    }
    r -= weight;
  }
  return 'active';
}

export function startOf(i: number): number {
  return VALID_FOR_EPOCH + (h(i, 5) % VALID_FOR_DAYS) * DAY + (h(i, 6) % 86400) * 1000;
}

const OFFSETS = ['Z', '+01:00', '+02:00', '-05:00'];

function iso(ms: number, offset: string): string {
  if (offset === 'Z') {
    return new Date(ms).toISOString();
  }
  const sign = offset[0] === '-' ? -1 : 1;
  const hours = Number(offset.slice(1, 3));
  return `${new Date(ms + sign * hours * 3600000).toISOString().slice(0, 23)}${offset}`;
}

export function realisticCustomer(i: number): Record<string, unknown> {
  const name = nameOf(i);
  const start = startOf(i);
  const doc: Record<string, unknown> = {
    name,
    status: statusOf(i),
    engagedParty: {
      id: `party-${i}`,
      href: `https://party.example.com/tmf-api/partyManagement/v4/individual/party-${i}`,
      name,
      '@referredType': frac(i, 7) < 0.8 ? 'Individual' : 'Organization',
    },
    validFor: { startDateTime: iso(start, OFFSETS[h(i, 8) % OFFSETS.length]) },
    '@type': frac(i, 9) < 0.1 ? 'VipCustomer' : 'Customer',
  };
  if (frac(i, 10) < 0.2) {
    (doc.validFor as Record<string, string>).endDateTime = iso(
      start + (365 + (h(i, 11) % 1500)) * DAY,
      'Z',
    );
  }
  if (doc.status === 'suspended') {
    doc.statusReason = frac(i, 12) < 0.5 ? 'unpaid invoices' : 'fraud check';
  }
  const media: Record<string, unknown>[] = [];
  if (frac(i, 13) < 0.9) {
    media.push({
      mediumType: 'email',
      preferred: true,
      characteristic: { contactType: 'home', emailAddress: emailOf(i) },
    });
  }
  if (frac(i, 14) < 0.7) {
    media.push({
      mediumType: 'phone',
      preferred: media.length === 0,
      characteristic: {
        contactType: 'mobile',
        phoneNumber: `+33 6 ${String(h(i, 15) % 100000000).padStart(8, '0')}`,
      },
    });
  }
  if (frac(i, 16) < 0.6) {
    media.push({
      mediumType: 'postalAddress',
      characteristic: {
        street1: `${1 + (h(i, 17) % 200)} Main Street`,
        city: CITIES[h(i, 18) % CITIES.length],
        postCode: String(10000 + (h(i, 19) % 89999)),
        country: 'EU',
      },
    });
  }
  if (media.length > 0) {
    doc.contactMedium = media;
  }
  const characteristic: Record<string, unknown>[] = [
    {
      name: 'segment',
      valueType: 'string',
      value: frac(i, 20) < 0.85 ? 'residential' : 'business',
    },
  ];
  if (frac(i, 21) < 0.6) {
    characteristic.push({
      name: 'arpu',
      valueType: 'number',
      value: Math.round(frac(i, 22) * 20000) / 100,
    });
  }
  if (frac(i, 23) < 0.5) {
    characteristic.push({ name: 'marketingOptIn', valueType: 'boolean', value: frac(i, 24) < 0.5 });
  }
  doc.characteristic = characteristic;
  if (frac(i, 25) < 0.7) {
    doc.creditProfile = [
      {
        creditProfileDate: iso(start, 'Z'),
        creditRiskRating: 1 + (h(i, 26) % 5),
        creditScore: 300 + (h(i, 27) % 551),
        validFor: { startDateTime: iso(start, 'Z') },
      },
    ];
  }
  if (frac(i, 28) < 0.8) {
    doc.account = [{ id: `acc-${i}`, name: 'Billing account', '@referredType': 'BillingAccount' }];
  }
  if (frac(i, 29) < 0.6) {
    doc.paymentMethod = [
      {
        id: `pm-${i}`,
        name: frac(i, 30) < 0.5 ? 'Direct debit' : 'Card',
        '@referredType': 'PaymentMethod',
      },
    ];
  }
  if (frac(i, 31) < 0.3) {
    doc.relatedParty = [
      { id: `emp-${h(i, 32) % 500}`, role: 'accountManager', '@referredType': 'Individual' },
    ];
  }
  return doc;
}
