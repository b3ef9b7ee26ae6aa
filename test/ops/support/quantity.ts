/** Kubernetes resource quantities (the subset manifests use) in base units: cores and bytes. */
const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') {
    return value;
  }
  const match = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value.trim());
  if (!match) {
    throw new Error(`Unsupported quantity: ${value}`);
  }
  return Number(match[1]) * SUFFIX[match[2] ?? ''];
}
